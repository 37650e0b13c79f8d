// The API keys page (account-level): list, create, show a key's value, enable or disable,
// delete, and import keys from CSV (ImportApiKeys).
import { h, clear, field, errorSlot, busy, dialog, confirmDialog, flash, showError, fmtDate, copyButton } from './ui.js';
import { get, all, post, patch, del, path, request } from './api.js';
import { go } from './nav.js';

export const MIN_KEY_VALUE = 20;

// RFC 4180 CSV as ImportApiKeys reads it: quoted fields (with "" for a quote, commas and line
// breaks inside), CRLF or LF, blank lines skipped. Throws on an unterminated quote.
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  const s = String(text || '');
  const endRow = () => {
    row.push(cell);
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
    cell = '';
  };
  while (i < s.length) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') { cell += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      cell += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && s[i + 1] === '\n') { endRow(); i++; }
    else if (c === '\n' || c === '\r') endRow();
    else cell += c;
    i++;
  }
  if (quoted) throw new Error('A quoted field is not closed (a " is missing).');
  if (cell !== '' || row.length) endRow();
  return rows;
}

const COLUMNS = ['name', 'key', 'description', 'enabled', 'usageplanids'];

// What an import file holds, checked as ImportApiKeys checks its header: {columns, keys, problem}.
// `problem` is a sentence when the file would be refused as a whole (the server still decides
// on each line and answers with warnings).
export function csvSummary(text) {
  let rows;
  try {
    rows = parseCsv(text);
  } catch (e) {
    return { columns: [], keys: 0, problem: e.message };
  }
  if (!rows.length) return { columns: [], keys: 0, problem: 'The file is empty.' };
  const columns = rows[0].map((c) => c.trim().toLowerCase());
  const unknown = columns.find((c) => !COLUMNS.includes(c));
  let problem = null;
  if (unknown !== undefined) problem = `Unknown column "${unknown}": use Name, Key, Description, Enabled, UsagePlanIds.`;
  else if (!columns.includes('key')) problem = 'The first line must name the columns, with a Key column (e.g. "Name,Key,Enabled").';
  return { columns, keys: rows.length - 1, problem };
}

// The CreateApiKey body for the form's values; a custom value shorter than 20 characters is
// refused before sending.
export function createKeyBody(v) {
  const body = { name: v.name.trim(), enabled: Boolean(v.enabled) };
  if (v.description.trim()) body.description = v.description.trim();
  if (v.customerId.trim()) body.customerId = v.customerId.trim();
  if (v.value !== '') {
    if (v.value.length < MIN_KEY_VALUE) throw new Error(`A custom API key value needs at least ${MIN_KEY_VALUE} characters (this one has ${v.value.length}).`);
    body.value = v.value;
  }
  return body;
}

export const enabledOps = (enabled) => [{ op: 'replace', path: '/enabled', value: String(Boolean(enabled)) }];

export async function keysPage(main) {
  const [keys, plans] = await Promise.all([all('/apikeys'), all('/usageplans')]);
  // Which plans each key is in (GetUsagePlanKeys per plan).
  const plansOf = new Map();
  await Promise.all(plans.map(async (p) => {
    for (const k of await all(path('usageplans', p.id, 'keys'))) plansOf.set(k.id, [...(plansOf.get(k.id) || []), p]);
  }));
  keys.sort((a, b) => (a.name || '').localeCompare(b.name || '') || a.id.localeCompare(b.id));
  const reload = () => go('#/apikeys');
  const createBtn = h('button.primary', { type: 'button' }, 'Create API key');
  createBtn.addEventListener('click', async () => {
    const made = await createDialog();
    if (made) { reload(); flash(`API key ${made.name} created.`); }
  });
  const importBtn = h('button', { type: 'button' }, 'Import from CSV');
  importBtn.addEventListener('click', async () => {
    const done = await importDialog();
    if (done) reload();
  });
  clear(main,
    h('div.page-head', h('h1', 'API keys'), h('div.actions', importBtn, createBtn)),
    h('p.hint', 'Keys belong to the account, not to one API. A method that requires an API key takes the ',
      h('code', 'x-api-key'), ' header of a key that is enabled and in a usage plan of that stage (see ', h('a', { href: '#/usageplans' }, 'Usage plans'), ').'),
    keys.length
      ? h('table.list.keys', h('thead', h('tr', ['Name', 'ID', 'Enabled', 'Customer ID', 'Usage plans', 'Created', h('span.sr-only', 'Actions')]
        .map((c) => h('th', { scope: 'col' }, c)))), h('tbody', keys.map((k) => keyRow(k, plansOf.get(k.id) || [], reload))))
      : h('div.empty', h('p', 'No API keys yet.'), h('p', 'Create one here, import a CSV file, or use ',
        h('code', 'aws apigateway create-api-key --endpoint-url ' + location.origin), '.')));
}

function keyRow(k, plans, reload) {
  const slot = errorSlot();
  const valueCell = h('div.key-value');
  const show = h('button.small', { type: 'button', 'aria-label': `Show the value of ${k.name}` }, 'Show key');
  show.addEventListener('click', async () => {
    const full = await busy(show, slot, () => get(path('apikeys', k.id), { includeValue: 'true' }), 'Loading…');
    if (!full) return;
    clear(valueCell, h('code.key-secret', full.value), ' ', copyButton(full.value, 'Copy key'));
    show.hidden = true;
  });
  const toggle = h('button.small', { type: 'button', 'aria-label': `${k.enabled ? 'Disable' : 'Enable'} ${k.name}` }, k.enabled ? 'Disable' : 'Enable');
  toggle.addEventListener('click', async () => {
    const saved = await busy(toggle, slot, () => patch(path('apikeys', k.id), enabledOps(!k.enabled)), 'Saving…');
    if (saved) { reload(); flash(`API key ${k.name} ${saved.enabled ? 'enabled' : 'disabled'}.`); }
  });
  const rm = h('button.small.danger', { type: 'button', 'aria-label': `Delete ${k.name}` }, 'Delete');
  rm.addEventListener('click', async () => {
    const ok = await confirmDialog('Delete API key',
      [h('p', 'Delete the API key ', h('strong', k.name), ` (${k.id})? Callers using it are refused at once, and it leaves every usage plan. This cannot be undone.`)],
      'Delete API key', { danger: true, action: () => del(path('apikeys', k.id)) });
    if (ok) { reload(); flash(`API key ${k.name} deleted.`); }
  });
  return h('tr', { dataset: { keyId: k.id, name: k.name } },
    h('th', { scope: 'row' }, k.name, k.description ? h('div', h('small.muted', k.description)) : null, valueCell),
    h('td', h('code', k.id)),
    h('td', k.enabled ? h('span.badge.active.enabled', 'Enabled') : h('span.badge.disabled', 'Disabled')),
    h('td', k.customerId ? h('code', k.customerId) : h('span.muted', '—')),
    h('td.key-plans', plans.length
      ? plans.sort((a, b) => a.name.localeCompare(b.name)).map((p, i) => [i ? ', ' : '', h('a', { href: `#/usageplans/${encodeURIComponent(p.id)}` }, p.name)])
      : h('span.muted', 'none')),
    h('td', fmtDate(k.createdDate)),
    h('td.row-actions', show, ' ', toggle, ' ', rm, slot));
}

function createDialog() {
  return dialog('Create API key', (close) => {
    const name = h('input', { name: 'name', autofocus: true, spellcheck: 'false' });
    const desc = h('input', { name: 'description' });
    const customer = h('input', { name: 'customerId', spellcheck: 'false' });
    const value = h('input', { name: 'value', spellcheck: 'false', autocomplete: 'off', placeholder: 'leave empty to generate one' });
    const enabled = h('input', { type: 'checkbox', name: 'enabled', id: 'key-enabled', checked: true });
    const slot = errorSlot();
    const submit = h('button.primary', { type: 'submit' }, 'Create API key');
    const form = h('form',
      field('Name', name), field('Description', desc),
      field('API key value (optional)', value, `At least ${MIN_KEY_VALUE} characters. Empty: the gateway generates a 40-character key.`),
      field('Customer ID (optional)', customer, 'For AWS Marketplace; kept with the key.'),
      h('div.field.check', enabled, h('label', { for: 'key-enabled' }, 'Enabled')),
      slot, h('div.actions', h('button', { type: 'button', onclick: () => close() }, 'Cancel'), submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      let body;
      try {
        body = createKeyBody({ name: name.value, description: desc.value, customerId: customer.value, value: value.value, enabled: enabled.checked });
      } catch (err) {
        showError(slot, err);
        value.focus();
        return;
      }
      const made = await busy(submit, slot, () => post('/apikeys', body), 'Creating…');
      if (made) close(made);
    });
    return form;
  });
}

const CSV_EXAMPLE = 'Name,Key,Description,Enabled\npartner-a,partner-a-key-0123456789abcdef,Partner A,true';

// ImportApiKeys with pasted or uploaded CSV; shows the ids and warnings AWS answers with.
function importDialog() {
  let imported = false;
  return dialog('Import API keys from CSV', (close) => {
    const text = h('textarea', { name: 'csv', rows: 7, spellcheck: 'false', autofocus: true, placeholder: CSV_EXAMPLE });
    const file = h('input', { type: 'file', name: 'file', accept: '.csv,text/csv,text/plain' });
    const failOn = h('input', { type: 'checkbox', name: 'failonwarnings', id: 'import-fail' });
    const summary = h('p.hint.csv-summary', { 'aria-live': 'polite' });
    const slot = errorSlot();
    const out = h('div.import-out', { 'aria-live': 'polite' });
    const submit = h('button.primary', { type: 'submit' }, 'Import');
    const sync = () => {
      if (!text.value.trim()) { summary.textContent = 'Columns: Name, Key, Description, Enabled, UsagePlanIds (Key is required; a header line first).'; summary.classList.remove('bad'); return; }
      const s = csvSummary(text.value);
      summary.textContent = s.problem || `${s.keys} key${s.keys === 1 ? '' : 's'} to import; columns ${s.columns.join(', ')}.`;
      summary.classList.toggle('bad', Boolean(s.problem));
    };
    text.addEventListener('input', sync);
    file.addEventListener('change', async () => {
      const f = file.files && file.files[0];
      if (!f) return;
      text.value = await f.text();
      sync();
    });
    sync();
    const form = h('form.import-form',
      field('CSV (paste here)', text), field('…or choose a file', file),
      summary,
      h('div.field.check', failOn, h('label', { for: 'import-fail' }, 'Fail on warnings (import nothing when a line is refused)')),
      slot, out,
      h('div.actions', h('button', { type: 'button', onclick: () => close(imported) }, 'Close'), submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clear(out);
      if (!text.value.trim()) { showError(slot, new Error('Paste CSV text or choose a file first.')); return; }
      const res = await busy(submit, slot, () => request('POST', '/apikeys', {
        query: { mode: 'import', format: 'csv', ...(failOn.checked ? { failonwarnings: 'true' } : {}) },
        raw: text.value, contentType: 'text/csv',
      }), 'Importing…');
      if (!res) return;
      const ids = res.ids || [];
      const warnings = res.warnings || [];
      if (ids.length) imported = true;
      out.append(h('div.import-result',
        h('p', h('strong', `${ids.length} key${ids.length === 1 ? '' : 's'} imported.`)),
        ids.length ? h('ul.ids', ids.map((id) => h('li', h('code', id)))) : null,
        warnings.length ? [h('h3', 'Warnings'), h('ul.warnings', warnings.map((w) => h('li', w)))] : h('p.muted', 'No warnings.')));
      if (ids.length) flash(`${ids.length} API key${ids.length === 1 ? '' : 's'} imported.`);
    });
    return form;
  }, { wide: true });
}
