// An API's gateway responses (`#/apis/{id}/gatewayresponses`): every response type with AWS's
// default or the API's customization (GetGatewayResponses lists both), edited with
// PutGatewayResponse (status code, header mappings, templates) and reset with
// DeleteGatewayResponse.
import { h, clear, field, errorSlot, busy, confirmDialog, flash } from './ui.js';
import { get, all, put, del, path } from './api.js';
import { apiHeader } from './apihead.js';
import { go } from './nav.js';
import { rowsEditor } from './method.js';

export async function gatewayResponsesPage(main, apiId) {
  const [api, responses] = await Promise.all([get(path('restapis', apiId)), all(path('restapis', apiId, 'gatewayresponses'))]);
  responses.sort((a, b) => a.responseType.localeCompare(b.responseType));
  const reload = () => go(`#/apis/${encodeURIComponent(apiId)}/gatewayresponses`);
  const custom = responses.filter((r) => !r.defaultResponse).length;
  clear(main,
    apiHeader(api, 'gatewayresponses', (r) => go(`#/apis/${encodeURIComponent(apiId)}/stages/${encodeURIComponent(r.stageName)}`)),
    h('section.card', h('h2', 'Gateway responses'),
      h('p.hint', `What API Gateway answers when a request fails before or at the integration. ${custom} of ${responses.length} customized; the others are AWS's defaults. Changes apply after a deployment.`),
      h('ul.items', responses.map((r) => item(apiId, r, reload)))));
}

function item(apiId, r, reload) {
  const status = h('input', { name: 'statusCode', value: r.statusCode || '', inputmode: 'numeric', placeholder: 'the default' });
  const headers = rowsEditor('Response headers', r.responseParameters, { keyHint: 'gatewayresponse.header.Access-Control-Allow-Origin', valueHint: "'*'", name: 'gateway-headers' });
  const templates = rowsEditor('Response templates', r.responseTemplates, { kind: 'template', keyHint: 'application/json', name: 'gateway-templates' });
  const slot = errorSlot();
  const save = h('button.primary', { type: 'submit' }, 'Save');
  const reset = r.defaultResponse ? null : h('button', { type: 'button' }, 'Reset to default');
  const form = h('form', field('Status code', status), headers, templates, slot, h('div.actions', save, reset));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { responseParameters: headers.read(), responseTemplates: templates.read() };
    if (status.value.trim()) body.statusCode = status.value.trim();
    const done = await busy(save, slot, () => put(path('restapis', apiId, 'gatewayresponses', r.responseType), body), 'Saving…');
    if (done) { flash(`Gateway response ${r.responseType} saved.`); reload(); }
  });
  if (reset) {
    reset.addEventListener('click', async () => {
      const ok = await confirmDialog('Reset gateway response', [h('p', `Drop the customization of ${r.responseType} and answer AWS's default again?`)], 'Reset',
        { action: () => del(path('restapis', apiId, 'gatewayresponses', r.responseType)) });
      if (ok) { flash(`Gateway response ${r.responseType} reset to the default.`); reload(); }
    });
  }
  return h('li', { dataset: { type: r.responseType, default: String(!!r.defaultResponse) } },
    h('details', h('summary', h('strong', r.responseType), ' ', h('code', r.statusCode || '—'), ' ',
      h(r.defaultResponse ? 'span.badge' : 'span.badge.key', r.defaultResponse ? 'default' : 'customized')), form));
}
