// Stage variables: add, edit and remove, each one patch operation on /variables/{name}.
import { h, field, errorSlot, busy, confirmDialog, flash } from './ui.js';
import { patchStage } from './api.js';

export function variablesTab(panel, { api, stage, reload }) {
  const vars = Object.entries(stage.variables || {}).sort(([a], [b]) => a.localeCompare(b));
  const save = (ops, button, slot) => busy(button, slot, () => patchStage(api.id, stage.stageName, ops), 'Saving…')
    .then((ok) => { if (ok) { flash('Stage variables saved.'); reload('variables'); } });
  const rows = vars.map(([name, value]) => {
    const input = h('input', { value, 'aria-label': `Value of ${name}`, spellcheck: 'false' });
    const slot = errorSlot();
    const saveBtn = h('button.small', { type: 'button' }, 'Save');
    saveBtn.addEventListener('click', () => save([{ op: 'replace', path: `/variables/${name}`, value: input.value }], saveBtn, slot));
    const rmBtn = h('button.small.danger', { type: 'button', 'aria-label': `Remove ${name}` }, 'Remove');
    rmBtn.addEventListener('click', async () => {
      const ok = await confirmDialog('Remove stage variable', [h('p', `Remove the variable ${name} from stage ${stage.stageName}?`)],
        'Remove', { danger: true, action: () => patchStage(api.id, stage.stageName, [{ op: 'remove', path: `/variables/${name}` }]) });
      if (ok) { flash(`Stage variable ${name} removed.`); reload('variables'); }
    });
    return h('tr', { dataset: { variable: name } }, h('th', { scope: 'row' }, h('code', name)), h('td', input), h('td.row-actions', saveBtn, rmBtn, slot));
  });
  const name = h('input', { name: 'name', required: true, spellcheck: 'false', placeholder: 'letters, digits, _' });
  const value = h('input', { name: 'value', spellcheck: 'false' });
  const slot = errorSlot();
  const add = h('button.primary', { type: 'submit' }, 'Add variable');
  const form = h('form.inline-form', { 'aria-label': 'Add a stage variable' },
    field('Name', name), field('Value', value), h('div.actions', add), slot);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    save([{ op: 'replace', path: `/variables/${name.value.trim()}`, value: value.value }], add, slot);
  });
  panel.append(h('div.card',
    h('h2', 'Stage variables'),
    h('p.hint', 'Available to mappings and integration URIs as ', h('code', '${stageVariables.name}'), '.'),
    vars.length ? h('table.list.vars', h('thead', h('tr', h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Value'), h('th', h('span.sr-only', 'Actions')))), h('tbody', rows))
      : h('p.empty', 'No stage variables.'),
    h('h3', 'Add a variable'), form));
}
