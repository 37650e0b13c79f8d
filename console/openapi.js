// OpenAPI in and out: import a document as a new API or into an existing one (PutRestApi
// merge/overwrite), export a stage's deployment (GetExport) and download its SDK (GetSdk).
import { h, field, errorSlot, busy, dialog, nextId } from './ui.js';

// A checkbox with its label.
function check(input, text) {
  input.id = nextId();
  return h('div.field.check', input, h('label', { for: input.id }, text));
}
import { request, download, path } from './api.js';
import { go } from './nav.js';

// `apis`: the existing APIs (the import can go into one of them).
export function importDialog(apis) {
  return dialog('Import OpenAPI', (close) => {
    const file = h('input', { type: 'file', accept: '.json,.yaml,.yml,application/json,application/yaml' });
    const text = h('textarea.code', { name: 'document', rows: 12, spellcheck: false,
      placeholder: 'Paste an OpenAPI 3.0 or Swagger 2.0 document (JSON or YAML)' });
    file.addEventListener('change', async () => {
      if (file.files && file.files[0]) text.value = await file.files[0].text();
    });
    const target = h('select', { name: 'target' }, h('option', { value: '' }, 'A new API'),
      apis.map((a) => h('option', { value: a.id }, `${a.name} (${a.id})`)));
    const mode = h('select', { name: 'mode' }, h('option', { value: 'merge' }, 'Merge into the API'),
      h('option', { value: 'overwrite' }, 'Overwrite the API'));
    const modeField = field('Mode', mode, 'Merge adds and replaces what the document names; overwrite replaces the whole definition.');
    modeField.hidden = true;
    target.addEventListener('change', () => { modeField.hidden = !target.value; });
    const strict = h('input', { type: 'checkbox', name: 'failonwarnings' });
    const slot = errorSlot();
    const warnings = h('div.warnings', { hidden: true, role: 'status' });
    const submit = h('button.primary', { type: 'submit' }, 'Import');
    const form = h('form',
      field('Document file', file), field('Document', text), field('Import into', target), modeField,
      check(strict, 'Fail on warnings (nothing is imported if there is any)'),
      warnings, slot,
      h('div.actions', h('button', { type: 'button', onclick: () => close() }, 'Cancel'), submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const query = strict.checked ? { failonwarnings: 'true' } : {};
      const api = await busy(submit, slot, () => (target.value
        ? request('PUT', path('restapis', target.value), { query: { ...query, mode: mode.value }, raw: text.value, contentType: 'application/json' })
        : request('POST', '/restapis', { query: { ...query, mode: 'import' }, raw: text.value, contentType: 'application/json' })), 'Importing…');
      if (!api) return;
      if (api.warnings && api.warnings.length) {
        warnings.hidden = false;
        warnings.replaceChildren(h('p', 'Imported with warnings:'), h('ul', api.warnings.map((w) => h('li', w))),
          h('button', { type: 'button', onclick: () => { close(api); go(`#/apis/${encodeURIComponent(api.id)}`); } }, 'Open the API'));
        return;
      }
      close(api);
      go(`#/apis/${encodeURIComponent(api.id)}`);
    });
    return form;
  }, { wide: true });
}

function saveBlob({ blob, filename }) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function exportDialog(apiId, stage) {
  return dialog(`Export stage ${stage}`, (close) => {
    const type = h('select', { name: 'exportType' }, h('option', { value: 'oas30' }, 'OpenAPI 3.0'),
      h('option', { value: 'swagger' }, 'Swagger 2.0'));
    const format = h('select', { name: 'format' }, h('option', { value: 'application/json' }, 'JSON'),
      h('option', { value: 'application/yaml' }, 'YAML'));
    const integrations = h('input', { type: 'checkbox', name: 'integrations' });
    const authorizers = h('input', { type: 'checkbox', name: 'authorizers' });
    const slot = errorSlot();
    const submit = h('button.primary', { type: 'submit' }, 'Download');
    const form = h('form', field('Specification', type), field('Format', format),
      check(integrations, 'With API Gateway extensions (integrations, validators, gateway responses…)'),
      check(authorizers, 'With authorizer extensions'),
      slot, h('div.actions', h('button', { type: 'button', onclick: () => close() }, 'Cancel'), submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const ext = [integrations.checked && 'integrations', authorizers.checked && 'authorizers'].filter(Boolean);
      const file = await busy(submit, slot, () => download(path('restapis', apiId, 'stages', stage, 'exports', type.value),
        { query: ext.length ? { extensions: ext.join(',') } : {}, accept: format.value }), 'Exporting…');
      if (file) {
        saveBlob(file);
        close(true);
      }
    });
    return form;
  });
}

export function sdkDialog(apiId, stage) {
  return dialog(`SDK for stage ${stage}`, (close) => {
    const kind = h('select', { name: 'sdkType' }, h('option', { value: 'javascript' }, 'JavaScript (browsers, Node.js 18+)'),
      h('option', { value: 'typescript' }, 'TypeScript (typed ES module)'));
    const slot = errorSlot();
    const submit = h('button.primary', { type: 'submit' }, 'Download');
    const form = h('form', field('Language', kind), slot,
      h('div.actions', h('button', { type: 'button', onclick: () => close() }, 'Cancel'), submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const file = await busy(submit, slot, () => download(path('restapis', apiId, 'stages', stage, 'sdks', kind.value)), 'Generating…');
      if (file) {
        saveBlob(file);
        close(true);
      }
    });
    return form;
  });
}
