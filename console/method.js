// The method execution view (`#/apis/{id}/methods/{resourceId}/{METHOD}[/{tab}]`): Method
// request, Integration request, Integration response, Method response and Test, as AWS lays
// them out. Every part is created, changed and deleted through the management API (UpdateMethod
// patch operations, PutIntegration, PutIntegrationResponse, PutMethodResponse, the Delete
// operations, TestInvokeMethod); AWS's refusals show under the form that sent them.
import { h, clear, field, errorSlot, busy, confirmDialog, flash, tabs } from './ui.js';
import { get, all, put, del, patch, post, path, escapePointer } from './api.js';
import { apiHeader } from './apihead.js';
import { go } from './nav.js';
import { authSummary, methodAuthDialog } from './methodauth.js';
import { lambdaAuthorizerUri } from './authorizers.js';

const TYPES = [
  ['MOCK', 'Mock'], ['HTTP', 'HTTP'], ['HTTP_PROXY', 'HTTP proxy'],
  ['AWS', 'AWS service or Lambda'], ['AWS_PROXY', 'Lambda proxy'],
];
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY'];

export async function methodPage(main, apiId, resourceId, httpMethod, tab = 'request') {
  const base = ['restapis', apiId, 'resources', resourceId, 'methods', httpMethod];
  const [api, resource, method, validators, models, authorizers] = await Promise.all([
    get(path('restapis', apiId)),
    get(path('restapis', apiId, 'resources', resourceId)),
    get(path(...base)),
    all(path('restapis', apiId, 'requestvalidators')),
    all(path('restapis', apiId, 'models')),
    all(path('restapis', apiId, 'authorizers')),
  ]);
  const here = `#/apis/${encodeURIComponent(apiId)}/methods/${encodeURIComponent(resourceId)}/${encodeURIComponent(httpMethod)}`;
  const reload = (t = tab) => go(`${here}/${t}`);
  const ctx = { apiId, resource, method, validators, models, authorizers, base, reload };
  const defs = [
    { id: 'request', label: 'Method request', render: (p) => methodRequest(p, ctx) },
    { id: 'integration', label: 'Integration request', render: (p) => integrationRequest(p, ctx) },
    { id: 'intresponse', label: 'Integration response', render: (p) => integrationResponses(p, ctx) },
    { id: 'response', label: 'Method response', render: (p) => methodResponses(p, ctx) },
    { id: 'test', label: 'Test', render: (p) => testTab(p, ctx) },
  ];
  const delBtn = h('button.danger', { type: 'button' }, 'Delete method');
  delBtn.addEventListener('click', async () => {
    const ok = await confirmDialog('Delete method', [h('p', `Delete ${httpMethod} on ${resource.path}? Deployed stages keep serving it until you redeploy.`)],
      'Delete method', { danger: true, action: () => del(path(...base)) });
    if (ok) { flash(`${httpMethod} ${resource.path} deleted.`); go(`#/apis/${encodeURIComponent(apiId)}`); }
  });
  clear(main,
    apiHeader(api, 'resources', (r) => go(`#/apis/${encodeURIComponent(apiId)}/stages/${encodeURIComponent(r.stageName)}`)),
    h('div.page-head',
      h('h2.method-title', { tabindex: '-1' }, h('span.verb', httpMethod), ' ', h('span.path', resource.path), ' ', h('code.id', resourceId)),
      delBtn),
    h('p', h('a', { href: `#/apis/${encodeURIComponent(apiId)}` }, '← Resources')),
    tabs(defs, defs.some((d) => d.id === tab) ? tab : 'request', (id, focus) => {
      go(`${here}/${id}`);
      if (focus) setTimeout(() => document.getElementById(`tab-${id}`)?.focus(), 50);
    }));
  main.querySelector('h2.method-title').focus();
}

// Rows of name → value; `kind` 'bool' (a checkbox), 'text' or 'template' (a textarea).
export function rowsEditor(title, entries, { kind = 'text', keyHint = '', valueHint = '', name } = {}) {
  const list = h('div.rows');
  const slug = name || title.toLowerCase().replace(/\W+/g, '-');
  const add = (k = '', v = kind === 'bool' ? false : '') => {
    const key = h('input', { value: k, placeholder: keyHint, spellcheck: 'false', 'aria-label': `${title}: name`, dataset: { role: `${slug}-key` } });
    const val = kind === 'bool'
      ? h('input', { type: 'checkbox', checked: !!v, 'aria-label': `${title}: required`, dataset: { role: `${slug}-value` } })
      : h(kind === 'template' ? 'textarea' : 'input', { value: v ?? '', rows: kind === 'template' ? 5 : null, placeholder: valueHint, spellcheck: 'false', 'aria-label': `${title}: value`, dataset: { role: `${slug}-value` } });
    const row = h('div.row', key, kind === 'bool' ? h('label.check', val, ' required') : val,
      h('button.small.link', { type: 'button', onclick: () => row.remove(), 'aria-label': `Remove from ${title}` }, 'Remove'));
    row.read = () => [key.value.trim(), kind === 'bool' ? val.checked : val.value];
    list.append(row);
    return row;
  };
  for (const [k, v] of Object.entries(entries || {})) add(k, v);
  const addBtn = h('button.small', { type: 'button', dataset: { role: `${slug}-add` } }, `Add to ${title.toLowerCase()}`);
  addBtn.addEventListener('click', () => add().querySelector('input,textarea').focus());
  const el = h('fieldset.rows-editor', { dataset: { editor: slug } }, h('legend', title), list, addBtn);
  el.read = () => Object.fromEntries([...list.children].map((r) => r.read()).filter(([k]) => k));
  return el;
}

// Patch operations turning map `before` into `after` under `prefix` (keys escaped).
export function mapOps(prefix, before, after, toValue = (v) => String(v)) {
  const ops = [];
  for (const [k, v] of Object.entries(after)) {
    if (!(k in before)) ops.push({ op: 'add', path: `${prefix}/${escapePointer(k)}`, value: toValue(v) });
    else if (before[k] !== v) ops.push({ op: 'replace', path: `${prefix}/${escapePointer(k)}`, value: toValue(v) });
  }
  for (const k of Object.keys(before)) {
    if (!(k in after)) ops.push({ op: 'remove', path: `${prefix}/${escapePointer(k)}` });
  }
  return ops;
}

// Drops empty strings and empty maps (AWS's own messages answer for what is missing).
function compact(o) {
  const out = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === '' || v == null) continue;
    if (typeof v === 'object' && !Array.isArray(v) && !Object.keys(v).length) continue;
    out[k] = v;
  }
  return out;
}

function submitForm(form, button, slot, fn, notice) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const done = await busy(button, slot, async () => { await fn(); return true; }, 'Saving…');
    if (done) { flash(typeof notice === 'function' ? notice() : notice); form.dispatchEvent(new Event('saved')); }
  });
}

function methodRequest(panel, { apiId, resource, method, validators, models, authorizers, base, reload }) {
  const authBtn = h('button', { type: 'button' }, 'Edit authorization');
  authBtn.addEventListener('click', async () => {
    const saved = await methodAuthDialog(apiId, resource, method, authorizers);
    if (saved) { flash(`Authorization saved: ${authSummary(saved, authorizers)}.`); reload('request'); }
  });
  const validator = h('select', { name: 'requestValidatorId' },
    h('option', { value: '' }, 'None'),
    validators.map((v) => h('option', { value: v.id, selected: v.id === method.requestValidatorId }, v.name)));
  const opName = h('input', { name: 'operationName', value: method.operationName || '' });
  const params = rowsEditor('Request parameters', method.requestParameters, { kind: 'bool', keyHint: 'method.request.querystring.name' });
  const reqModels = rowsEditor('Request models', method.requestModels, { keyHint: 'application/json', valueHint: models[0] ? models[0].name : 'Empty' });
  const slot = errorSlot();
  const save = h('button.primary', { type: 'submit' }, 'Save method request');
  const form = h('form.method-request',
    h('dl.facts',
      h('dt', 'Authorization'), h('dd', authSummary(method, authorizers), ' ', authBtn),
      h('dt', 'API key required'), h('dd', method.apiKeyRequired ? 'Yes' : 'No')),
    field('Request validator', validator), field('Operation name', opName),
    params, reqModels, slot, h('div.actions', save));
  submitForm(form, save, slot, async () => {
    const ops = [];
    if ((method.requestValidatorId || '') !== validator.value) ops.push({ op: 'replace', path: '/requestValidatorId', value: validator.value });
    if ((method.operationName || '') !== opName.value) ops.push({ op: 'replace', path: '/operationName', value: opName.value });
    ops.push(...mapOps('/requestParameters', method.requestParameters || {}, params.read()));
    ops.push(...mapOps('/requestModels', method.requestModels || {}, reqModels.read()));
    if (ops.length) await patch(path(...base), ops);
  }, 'Method request saved. Deploy the API to apply it.');
  form.addEventListener('saved', () => reload('request'));
  clear(panel, h('section.card', h('h3', 'Method request'), form));
}

function integrationRequest(panel, { method, base, reload }) {
  const i = method.methodIntegration || null;
  const type = h('select', { name: 'type' }, TYPES.map(([v, l]) => h('option', { value: v, selected: i ? i.type === v : v === 'HTTP' }, l)));
  const httpMethod = h('select', { name: 'integrationHttpMethod' }, h('option', { value: '' }, '—'),
    HTTP_METHODS.map((m) => h('option', { value: m, selected: i ? i.httpMethod === m : m === 'GET' }, m)));
  const uri = h('input', { name: 'uri', value: i?.uri || '', spellcheck: 'false', placeholder: 'https://example.com/{id} or arn:aws:apigateway:…' });
  const connection = h('select', { name: 'connectionType' },
    ['INTERNET', 'VPC_LINK'].map((c) => h('option', { value: c, selected: (i?.connectionType || 'INTERNET') === c }, c === 'VPC_LINK' ? 'VPC link' : 'Internet')));
  const connectionId = h('input', { name: 'connectionId', value: i?.connectionId || '', spellcheck: 'false' });
  const credentials = h('input', { name: 'credentials', value: i?.credentials || '', spellcheck: 'false', placeholder: 'arn:aws:iam::…:role/…' });
  const timeout = h('input', { name: 'timeoutInMillis', value: String(i?.timeoutInMillis ?? 29000), inputmode: 'numeric' });
  const contentHandling = h('select', { name: 'contentHandling' },
    [['', 'Passthrough'], ['CONVERT_TO_TEXT', 'Convert to text'], ['CONVERT_TO_BINARY', 'Convert to binary']]
      .map(([v, l]) => h('option', { value: v, selected: (i?.contentHandling || '') === v }, l)));
  const passthrough = h('select', { name: 'passthroughBehavior' },
    ['WHEN_NO_MATCH', 'WHEN_NO_TEMPLATES', 'NEVER'].map((p) => h('option', { value: p, selected: (i?.passthroughBehavior || 'WHEN_NO_MATCH') === p }, p)));
  const params = rowsEditor('URL path, query string and header mappings', i?.requestParameters, { keyHint: 'integration.request.header.x-name', valueHint: 'method.request.header.x-name', name: 'integration-parameters' });
  const templates = rowsEditor('Mapping templates', i?.requestTemplates, { kind: 'template', keyHint: 'application/json', name: 'request-templates' });
  // A pasted Lambda function ARN becomes the invocation URI (shown under the field).
  const lambdaNote = h('small.hint.lambda-uri', { 'aria-live': 'polite' });
  const effectiveUri = () => {
    const v = uri.value.trim();
    if (['AWS', 'AWS_PROXY'].includes(type.value) && /^arn:[\w-]+:lambda:/.test(v)) {
      try { return lambdaAuthorizerUri(v); } catch { return v; }
    }
    return v;
  };
  const showUri = () => { const u = effectiveUri(); lambdaNote.textContent = u !== uri.value.trim() ? `Sent as ${u}` : ''; };
  uri.addEventListener('input', showUri);
  type.addEventListener('change', showUri);
  const slot = errorSlot();
  const save = h('button.primary', { type: 'submit' }, i ? 'Save integration request' : 'Create integration');
  const remove = i ? h('button.danger', { type: 'button' }, 'Delete integration') : null;
  const form = h('form.integration-request',
    i ? null : h('p.hint', 'This method has no integration yet: a deployment refuses it until it has one.'),
    field('Integration type', type), field('HTTP method', httpMethod, 'The method the backend is called with (not used by MOCK).'),
    field('Endpoint URL or ARN', uri, 'HTTP: a URL; Lambda: the function ARN, or arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function ARN}/invocations.'), lambdaNote,
    field('Connection type', connection), field('VPC link ID', connectionId),
    field('Execution role', credentials), field('Timeout (ms)', timeout, '50 to 29000.'),
    field('Content handling', contentHandling), field('Request body passthrough', passthrough),
    params, templates, slot, h('div.actions', save, remove));
  submitForm(form, save, slot, () => put(path(...base, 'integration'), compact({
    type: type.value,
    integrationHttpMethod: type.value === 'MOCK' ? '' : httpMethod.value,
    uri: effectiveUri(),
    connectionType: ['HTTP', 'HTTP_PROXY'].includes(type.value) || connection.value === 'VPC_LINK' ? connection.value : '',
    connectionId: connection.value === 'VPC_LINK' ? connectionId.value.trim() : '',
    credentials: credentials.value.trim(),
    timeoutInMillis: timeout.value.trim() === '' ? undefined : Number(timeout.value),
    contentHandling: contentHandling.value,
    passthroughBehavior: passthrough.value,
    requestParameters: params.read(),
    requestTemplates: templates.read(),
    // What the form does not show is sent back as it was (PutIntegration replaces it all).
    cacheNamespace: i?.cacheNamespace,
    cacheKeyParameters: i?.cacheKeyParameters,
    tlsConfig: i?.tlsConfig,
    integrationTarget: i?.integrationTarget,
    responseTransferMode: i?.responseTransferMode,
  })), 'Integration request saved. Deploy the API to apply it.');
  form.addEventListener('saved', () => reload('integration'));
  if (remove) {
    remove.addEventListener('click', async () => {
      const ok = await confirmDialog('Delete integration', [h('p', 'Delete the integration and its integration responses?')],
        'Delete integration', { danger: true, action: () => del(path(...base, 'integration')) });
      if (ok) { flash('Integration deleted.'); reload('integration'); }
    });
  }
  clear(panel, h('section.card', h('h3', 'Integration request'), form));
}

function integrationResponseForm(ctx, ir) {
  const { base, reload } = ctx;
  const status = h('input', { name: 'statusCode', value: ir?.statusCode || '', inputmode: 'numeric', readonly: !!ir, required: true });
  const pattern = h('input', { name: 'selectionPattern', value: ir?.selectionPattern || '', spellcheck: 'false', placeholder: 'empty: the default response' });
  const contentHandling = h('select', { name: 'contentHandling' },
    [['', 'Passthrough'], ['CONVERT_TO_TEXT', 'Convert to text'], ['CONVERT_TO_BINARY', 'Convert to binary']]
      .map(([v, l]) => h('option', { value: v, selected: (ir?.contentHandling || '') === v }, l)));
  const headers = rowsEditor('Header mappings', ir?.responseParameters, { keyHint: 'method.response.header.x-name', valueHint: "integration.response.header.x-name or 'static'", name: 'response-parameters' });
  const templates = rowsEditor('Mapping templates', ir?.responseTemplates, { kind: 'template', keyHint: 'application/json', name: 'response-templates' });
  const slot = errorSlot();
  const save = h('button.primary', { type: 'submit' }, ir ? 'Save' : 'Add integration response');
  const remove = ir ? h('button.danger', { type: 'button' }, 'Delete') : null;
  const form = h('form.integration-response', { dataset: { status: ir?.statusCode || 'new' } },
    h('h4', ir ? `Status ${ir.statusCode}${ir.selectionPattern ? ` · pattern ${ir.selectionPattern}` : ' · default'}` : 'New integration response'),
    field('Method response status', status), field('Selection pattern', pattern), field('Content handling', contentHandling),
    headers, templates, slot, h('div.actions', save, remove));
  submitForm(form, save, slot, () => put(path(...base, 'integration', 'responses', status.value.trim()), compact({
    selectionPattern: pattern.value, contentHandling: contentHandling.value,
    responseParameters: headers.read(), responseTemplates: templates.read(),
  })), () => `Integration response ${status.value.trim()} saved.`);
  form.addEventListener('saved', () => reload('intresponse'));
  if (remove) {
    remove.addEventListener('click', async () => {
      const ok = await confirmDialog('Delete integration response', [h('p', `Delete the integration response for ${ir.statusCode}?`)],
        'Delete', { danger: true, action: () => del(path(...base, 'integration', 'responses', ir.statusCode)) });
      if (ok) { flash(`Integration response ${ir.statusCode} deleted.`); reload('intresponse'); }
    });
  }
  return h('section.card', form);
}

function integrationResponses(panel, ctx) {
  const i = ctx.method.methodIntegration;
  if (!i) {
    clear(panel, h('p', 'The method has no integration: create it under Integration request first.'));
    return;
  }
  if (i.type === 'AWS_PROXY' || i.type === 'HTTP_PROXY') {
    clear(panel, h('p', `A ${i.type === 'AWS_PROXY' ? 'Lambda proxy' : 'HTTP proxy'} integration passes the backend's answer through: it has no integration responses.`));
    return;
  }
  const list = Object.values(i.integrationResponses || {}).sort((a, b) => a.statusCode.localeCompare(b.statusCode));
  clear(panel, list.map((ir) => integrationResponseForm(ctx, ir)), integrationResponseForm(ctx, null));
}

function methodResponseForm(ctx, mr) {
  const { base, reload, models } = ctx;
  const status = h('input', { name: 'statusCode', value: mr?.statusCode || '', inputmode: 'numeric', readonly: !!mr, required: true });
  const headers = rowsEditor('Response headers', mr?.responseParameters, { kind: 'bool', keyHint: 'method.response.header.x-name', name: 'method-response-headers' });
  const respModels = rowsEditor('Response models', mr?.responseModels, { keyHint: 'application/json', valueHint: models[0] ? models[0].name : 'Empty', name: 'response-models' });
  const slot = errorSlot();
  const save = h('button.primary', { type: 'submit' }, mr ? 'Save' : 'Add method response');
  const remove = mr ? h('button.danger', { type: 'button' }, 'Delete') : null;
  const form = h('form.method-response', { dataset: { status: mr?.statusCode || 'new' } },
    h('h4', mr ? `Status ${mr.statusCode}` : 'New method response'),
    field('HTTP status code', status), headers, respModels, slot, h('div.actions', save, remove));
  submitForm(form, save, slot, () => put(path(...base, 'responses', status.value.trim()), compact({
    responseParameters: headers.read(), responseModels: respModels.read(),
  })), () => `Method response ${status.value.trim()} saved.`);
  form.addEventListener('saved', () => reload('response'));
  if (remove) {
    remove.addEventListener('click', async () => {
      const ok = await confirmDialog('Delete method response', [h('p', `Delete the method response ${mr.statusCode}?`)],
        'Delete', { danger: true, action: () => del(path(...base, 'responses', mr.statusCode)) });
      if (ok) { flash(`Method response ${mr.statusCode} deleted.`); reload('response'); }
    });
  }
  return h('section.card', form);
}

function methodResponses(panel, ctx) {
  const list = Object.values(ctx.method.methodResponses || {}).sort((a, b) => a.statusCode.localeCompare(b.statusCode));
  clear(panel, list.map((mr) => methodResponseForm(ctx, mr)), methodResponseForm(ctx, null));
}

// "Name: value" lines → [[name, value]]; "name=value" lines → {name: value}.
export function parseHeaderLines(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out.push([line.slice(0, i).trim(), line.slice(i + 1).trim()]);
  }
  return out;
}
export function parseVariableLines(text) {
  const out = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

function pretty(body) {
  try { return JSON.stringify(JSON.parse(body), null, 2); } catch { return body; }
}

function testTab(panel, { resource, method, base }) {
  const sample = resource.path.replace(/\{([^}+]+)\+?\}/g, (_, n) => n);
  const pathIn = h('input', { name: 'pathWithQueryString', value: sample, spellcheck: 'false' });
  const headers = h('textarea', { name: 'headers', rows: 3, spellcheck: 'false', placeholder: 'Content-Type: application/json' });
  const vars = h('textarea', { name: 'stageVariables', rows: 2, spellcheck: 'false', placeholder: 'name=value' });
  const cert = h('input', { name: 'clientCertificateId', spellcheck: 'false' });
  const body = h('textarea', { name: 'body', rows: 5, spellcheck: 'false' });
  const slot = errorSlot();
  const run = h('button.primary', { type: 'submit' }, 'Test');
  const out = h('div.test-result', { 'aria-live': 'polite' });
  const form = h('form.test-form',
    h('p.hint', 'Runs the method as it is defined now, without deploying it. Authorization and API keys are not checked.'),
    field('Path and query string', pathIn, 'e.g. /pets/42?limit=2'), field('Headers', headers, 'One "Name: value" per line.'),
    field('Stage variables', vars, 'One name=value per line.'), field('Client certificate ID', cert),
    field('Request body', body), slot, h('div.actions', run));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const res = await busy(run, slot, () => {
      const multi = {};
      for (const [k, v] of parseHeaderLines(headers.value)) (multi[k] = multi[k] || []).push(v);
      return post(path(...base), compact({
        pathWithQueryString: pathIn.value.trim(), multiValueHeaders: multi,
        stageVariables: parseVariableLines(vars.value), clientCertificateId: cert.value.trim(), body: body.value,
      }));
    }, 'Testing…');
    if (!res) return;
    clear(out,
      h('dl.facts',
        h('dt', 'Status'), h('dd.test-status', String(res.status)),
        h('dt', 'Latency'), h('dd', `${res.latency} ms`)),
      h('h4', 'Response body'), h('pre.test-body', pretty(res.body || '')),
      h('h4', 'Response headers'), h('pre.test-headers', JSON.stringify(res.multiValueHeaders || res.headers || {}, null, 2)),
      h('h4', 'Log'), h('pre.test-log', res.log || ''));
  });
  clear(panel, h('section.card', h('h3', `Test ${method.httpMethod} ${resource.path}`), form, out));
}
