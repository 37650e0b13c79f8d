// The APIs list: every REST API, create one, import one from OpenAPI, delete one.
import { h, clear, field, errorSlot, busy, confirmDialog, dialog, fmtDate } from './ui.js';
import { all, post, del, path } from './api.js';
import { go } from './nav.js';
import { importDialog } from './openapi.js';

export async function apisPage(main) {
  const apis = await all('/restapis');
  apis.sort((a, b) => (a.name || '').localeCompare(b.name || ''));
  const createBtn = h('button.primary', { type: 'button' }, 'Create API');
  createBtn.addEventListener('click', () => createDialog());
  const importBtn = h('button', { type: 'button' }, 'Import OpenAPI');
  importBtn.addEventListener('click', () => importDialog(apis));
  const rows = apis.map((api) => {
    const slot = errorSlot();
    const delBtn = h('button.small.danger', { type: 'button', 'aria-label': `Delete API ${api.name}` }, 'Delete');
    delBtn.addEventListener('click', async () => {
      const ok = await confirmDialog('Delete API',
        [h('p', 'Delete ', h('strong', api.name), ` (${api.id}) with all its resources, deployments and stages? This cannot be undone.`)],
        'Delete API', { danger: true, action: () => del(path('restapis', api.id)) });
      if (ok) go('#/apis');
    });
    return h('tr', { dataset: { apiId: api.id } },
      h('td', h('a', { href: `#/apis/${encodeURIComponent(api.id)}` }, api.name)),
      h('td', h('code', api.id)),
      h('td', api.description || ''),
      h('td', (api.endpointConfiguration?.types || []).join(', ')),
      h('td', fmtDate(api.createdDate)),
      h('td.row-actions', delBtn, slot));
  });
  const search = h('input', { type: 'search', name: 'search', placeholder: 'Name, ID or description', 'aria-label': 'Search APIs' });
  const none = h('p.empty.no-match', { hidden: true }, 'No API matches.');
  search.addEventListener('input', () => {
    const q = search.value.trim().toLowerCase();
    let shown = 0;
    rows.forEach((r, i) => {
      const a = apis[i];
      const hit = !q || [a.name, a.id, a.description].some((v) => (v || '').toLowerCase().includes(q));
      r.hidden = !hit;
      if (hit) shown++;
    });
    none.hidden = shown > 0;
  });
  clear(main,
    h('div.page-head', h('h1', 'APIs'), h('div.head-actions', importBtn, createBtn)),
    apis.length ? h('div.api-search', search) : null, none,
    apis.length
      ? h('table.list', h('thead', h('tr', ['Name', 'ID', 'Description', 'Endpoint', 'Created', h('span.sr-only', 'Actions')].map((c) => h('th', { scope: 'col' }, c)))), h('tbody', rows))
      : h('div.empty', h('p', 'No REST APIs yet in this region.'), h('p', 'Create one here, or with ', h('code', 'aws apigateway create-rest-api --endpoint-url ' + location.origin), '.')));
}

function createDialog() {
  return dialog('Create REST API', (close) => {
    const name = h('input', { name: 'name', required: true, autofocus: true });
    const desc = h('input', { name: 'description' });
    const type = h('select', { name: 'endpointType' }, ['REGIONAL', 'EDGE', 'PRIVATE'].map((t) => h('option', t)));
    const slot = errorSlot();
    const submit = h('button.primary', { type: 'submit' }, 'Create API');
    const form = h('form',
      field('API name', name), field('Description', desc), field('Endpoint type', type),
      slot, h('div.actions', h('button', { type: 'button', onclick: () => close() }, 'Cancel'), submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const api = await busy(submit, slot, () => post('/restapis', {
        name: name.value.trim(), description: desc.value.trim() || undefined,
        endpointConfiguration: { types: [type.value] },
      }), 'Creating…');
      if (api) {
        close(api);
        go(`#/apis/${encodeURIComponent(api.id)}`);
      }
    });
    return form;
  });
}
