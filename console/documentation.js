// An API's documentation: its documentation parts (add, edit the properties, delete) and
// versions (publish the current parts as a version, optionally for a stage).
import { h, clear, field, errorSlot, busy, confirmDialog, dialog, fmtDate } from './ui.js';
import { all, get, post, patch, del, path } from './api.js';
import { apiHeader } from './apihead.js';
import { go } from './nav.js';

const TYPES = ['API', 'RESOURCE', 'METHOD', 'PATH_PARAMETER', 'QUERY_PARAMETER', 'REQUEST_HEADER',
  'REQUEST_BODY', 'RESPONSE', 'RESPONSE_HEADER', 'RESPONSE_BODY', 'AUTHORIZER', 'MODEL'];
// Which location fields each type takes (AWS's rules; the gateway checks them too).
const FIELDS = {
  API: [], RESOURCE: ['path'], METHOD: ['path', 'method'], REQUEST_BODY: ['path', 'method'],
  PATH_PARAMETER: ['path', 'method', 'name'], QUERY_PARAMETER: ['path', 'method', 'name'],
  REQUEST_HEADER: ['path', 'method', 'name'], RESPONSE: ['path', 'method', 'statusCode'],
  RESPONSE_BODY: ['path', 'method', 'statusCode'], RESPONSE_HEADER: ['path', 'method', 'statusCode', 'name'],
  AUTHORIZER: ['name'], MODEL: ['name'],
};
const LABELS = { path: 'Path', method: 'Method', statusCode: 'Status code', name: 'Name' };

const here = (apiId) => `#/apis/${encodeURIComponent(apiId)}/documentation`;

export async function documentationPage(main, apiId) {
  const [api, parts, versions, stages] = await Promise.all([
    get(path('restapis', apiId)),
    all(path('restapis', apiId, 'documentation', 'parts')),
    all(path('restapis', apiId, 'documentation', 'versions')),
    all(path('restapis', apiId, 'stages')),
  ]);
  const addBtn = h('button.primary', { type: 'button' }, 'Add documentation part');
  addBtn.addEventListener('click', () => partDialog(apiId));
  const publishBtn = h('button', { type: 'button' }, 'Publish version');
  publishBtn.addEventListener('click', () => versionDialog(apiId, stages));
  const where = (l) => ['path', 'method', 'statusCode', 'name'].filter((k) => l[k]).map((k) => `${LABELS[k]}: ${l[k]}`).join(' · ');
  const rows = parts.map((p) => {
    const edit = h('button.small', { type: 'button', 'aria-label': `Edit ${p.location.type} ${where(p.location)}` }, 'Edit');
    edit.addEventListener('click', () => partDialog(apiId, p));
    const remove = h('button.small.danger', { type: 'button', 'aria-label': `Delete ${p.location.type} ${where(p.location)}` }, 'Delete');
    remove.addEventListener('click', async () => {
      const ok = await confirmDialog('Delete documentation part', [h('p', `Delete the ${p.location.type} part ${where(p.location)}?`)],
        'Delete', { danger: true, action: () => del(path('restapis', apiId, 'documentation', 'parts', p.id)) });
      if (ok) go(here(apiId));
    });
    return h('tr', { dataset: { partId: p.id } },
      h('td', p.location.type), h('td', where(p.location)), h('td', h('code.props', p.properties)),
      h('td.row-actions', edit, remove));
  });
  clear(main, apiHeader(api, 'documentation', () => go(here(apiId))),
    h('div.page-head', h('h2', 'Documentation parts'), h('div.head-actions', publishBtn, addBtn)),
    parts.length
      ? h('table.list.doc-parts', h('thead', h('tr', ['Type', 'Location', 'Properties', h('span.sr-only', 'Actions')].map((c) => h('th', { scope: 'col' }, c)))), h('tbody', rows))
      : h('p.empty', 'No documentation parts yet. They are merged into exports of the API.'),
    h('h2', 'Documentation versions'),
    versions.length
      ? h('table.list.doc-versions', h('thead', h('tr', ['Version', 'Description', 'Created'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', versions.map((v) => h('tr', h('td', v.version), h('td', v.description || ''), h('td', fmtDate(v.createdDate))))))
      : h('p.empty', 'No versions yet.'));
}

function partDialog(apiId, part) {
  return dialog(part ? 'Edit documentation part' : 'Add documentation part', (close) => {
    const type = h('select', { name: 'type', disabled: !!part }, TYPES.map((t) => h('option', { selected: part && part.location.type === t }, t)));
    const inputs = Object.fromEntries(Object.keys(LABELS).map((k) => [k, h('input', { name: k, value: part ? part.location[k] || '' : '', disabled: !!part })]));
    const fields = Object.fromEntries(Object.entries(inputs).map(([k, input]) => [k, field(LABELS[k], input)]));
    const showFields = () => {
      for (const [k, f] of Object.entries(fields)) f.hidden = !FIELDS[type.value].includes(k);
    };
    type.addEventListener('change', showFields);
    showFields();
    const props = h('textarea.code', { name: 'properties', rows: 6, spellcheck: false,
      value: part ? part.properties : '{\n  "description": ""\n}' });
    const slot = errorSlot();
    const submit = h('button.primary', { type: 'submit' }, part ? 'Save' : 'Add part');
    const form = h('form', field('Type', type), Object.values(fields), field('Properties (JSON)', props), slot,
      h('div.actions', h('button', { type: 'button', onclick: () => close() }, 'Cancel'), submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const location = { type: type.value };
      for (const k of FIELDS[type.value]) if (inputs[k].value.trim()) location[k] = inputs[k].value.trim();
      const done = await busy(submit, slot, () => (part
        ? patch(path('restapis', apiId, 'documentation', 'parts', part.id), [{ op: 'replace', path: '/properties', value: props.value }])
        : post(path('restapis', apiId, 'documentation', 'parts'), { location, properties: props.value })), 'Saving…');
      if (done) {
        close(done);
        go(here(apiId));
      }
    });
    return form;
  }, { wide: true });
}

function versionDialog(apiId, stages) {
  return dialog('Publish documentation version', (close) => {
    const version = h('input', { name: 'version', required: true, autofocus: true });
    const desc = h('input', { name: 'description' });
    const stage = h('select', { name: 'stage' }, h('option', { value: '' }, '(no stage)'),
      stages.map((s) => h('option', { value: s.stageName }, s.stageName)));
    const slot = errorSlot();
    const submit = h('button.primary', { type: 'submit' }, 'Publish');
    const form = h('form', field('Version', version), field('Description', desc),
      field('Use for stage', stage, 'The stage exports this version\'s parts.'), slot,
      h('div.actions', h('button', { type: 'button', onclick: () => close() }, 'Cancel'), submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const done = await busy(submit, slot, () => post(path('restapis', apiId, 'documentation', 'versions'), {
        documentationVersion: version.value.trim(), description: desc.value.trim() || undefined,
        stageName: stage.value || undefined,
      }), 'Publishing…');
      if (done) {
        close(done);
        go(here(apiId));
      }
    });
    return form;
  });
}
