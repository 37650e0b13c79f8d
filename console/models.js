// An API's models (`#/apis/{id}/models`): list, create, edit (description and schema, as
// UpdateModel operations), delete. AWS's refusals (a schema that is not JSON, a model a method
// uses) show under the form that sent them.
import { h, clear, field, errorSlot, busy, confirmDialog, flash } from './ui.js';
import { get, all, post, patch, del, path } from './api.js';
import { apiHeader } from './apihead.js';
import { go } from './nav.js';

const EXAMPLE = '{\n  "$schema": "http://json-schema.org/draft-04/schema#",\n  "title": "Pet",\n  "type": "object",\n  "properties": { "name": { "type": "string" } },\n  "required": ["name"]\n}';

export async function modelsPage(main, apiId) {
  const [api, models] = await Promise.all([get(path('restapis', apiId)), all(path('restapis', apiId, 'models'))]);
  models.sort((a, b) => a.name.localeCompare(b.name));
  const reload = () => go(`#/apis/${encodeURIComponent(apiId)}/models`);
  clear(main,
    apiHeader(api, 'models', (r) => go(`#/apis/${encodeURIComponent(apiId)}/stages/${encodeURIComponent(r.stageName)}`)),
    h('section.card', h('h2', 'Models'),
      models.length ? h('ul.items', models.map((m) => modelItem(apiId, m, reload))) : h('p.empty', 'No models yet.')),
    h('section.card', createForm(apiId, reload)));
}

function modelItem(apiId, m, reload) {
  const description = h('input', { name: 'description', value: m.description || '' });
  const schema = h('textarea', { name: 'schema', rows: 8, spellcheck: 'false', value: m.schema || '' });
  const slot = errorSlot();
  const save = h('button.primary', { type: 'submit' }, 'Save model');
  const remove = h('button.danger', { type: 'button' }, 'Delete model');
  const form = h('form', field('Description', description), field('Schema', schema), slot, h('div.actions', save, remove));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ops = [];
    if ((m.description || '') !== description.value) ops.push({ op: 'replace', path: '/description', value: description.value });
    if ((m.schema || '') !== schema.value) ops.push({ op: 'replace', path: '/schema', value: schema.value });
    const done = await busy(save, slot, async () => { if (ops.length) await patch(path('restapis', apiId, 'models', m.name), ops); return true; }, 'Saving…');
    if (done) { flash(`Model ${m.name} saved.`); reload(); }
  });
  remove.addEventListener('click', async () => {
    const ok = await confirmDialog('Delete model', [h('p', `Delete the model ${m.name}?`)], 'Delete model',
      { danger: true, action: () => del(path('restapis', apiId, 'models', m.name)) });
    if (ok) { flash(`Model ${m.name} deleted.`); reload(); }
  });
  return h('li', { dataset: { name: m.name } },
    h('details', h('summary', h('strong', m.name), ' ', h('code', m.contentType), m.description ? ` — ${m.description}` : ''), form));
}

function createForm(apiId, reload) {
  const name = h('input', { name: 'name', required: true, spellcheck: 'false' });
  const contentType = h('input', { name: 'contentType', value: 'application/json', spellcheck: 'false' });
  const description = h('input', { name: 'description' });
  const schema = h('textarea', { name: 'schema', rows: 8, spellcheck: 'false', value: EXAMPLE });
  const slot = errorSlot();
  const save = h('button.primary', { type: 'submit' }, 'Create model');
  const form = h('form.create-model', h('h2', 'Create model'),
    field('Model name', name, 'Letters and digits only.'), field('Content type', contentType), field('Description', description),
    field('Schema (JSON Schema draft 4)', schema), slot, h('div.actions', save));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { name: name.value.trim(), contentType: contentType.value.trim(), schema: schema.value };
    if (description.value.trim()) body.description = description.value.trim();
    const done = await busy(save, slot, () => post(path('restapis', apiId, 'models'), body), 'Creating…');
    if (done) { flash(`Model ${body.name} created.`); reload(); }
  });
  return form;
}
