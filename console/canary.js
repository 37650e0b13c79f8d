// The Canary tab: create a canary, change its percentage, promote it, delete it.
import { h, clear, field, errorSlot, busy, confirmDialog, fmtDate, flash } from './ui.js';
import { patchStage } from './api.js';

// The operations that promote a canary (what the console's Promote does).
export const PROMOTE_OPS = [
  { op: 'copy', from: '/canarySettings/deploymentId', path: '/deploymentId' },
  { op: 'copy', from: '/canarySettings/stageVariableOverrides', path: '/variables' },
  { op: 'replace', path: '/canarySettings/percentTraffic', value: '0' },
];

export function canaryTab(panel, ctx) {
  const card = h('div.card.canary');
  panel.append(card);
  if (ctx.stage.canarySettings) existing(card, ctx); else create(card, ctx);
}

function overridesEditor(initial = {}) {
  const list = h('div.overrides');
  const addRow = (k = '', v = '') => {
    const name = h('input', { value: k, 'aria-label': 'Variable name', placeholder: 'name', spellcheck: 'false' });
    const value = h('input', { value: v, 'aria-label': 'Override value', placeholder: 'value', spellcheck: 'false' });
    const rm = h('button.small', { type: 'button', 'aria-label': 'Remove this override' }, 'Remove');
    const row = h('div.kv', name, value, rm);
    rm.addEventListener('click', () => row.remove());
    list.append(row);
  };
  for (const [k, v] of Object.entries(initial)) addRow(k, v);
  const add = h('button.small', { type: 'button', onclick: () => addRow() }, 'Add override');
  return {
    el: h('fieldset', h('legend', 'Stage variable overrides'), list, add),
    read: () => Object.fromEntries([...list.querySelectorAll('.kv')].map((r) => {
      const [n, v] = r.querySelectorAll('input');
      return [n.value.trim(), v.value];
    }).filter(([n]) => n)),
  };
}

function create(card, { api, stage, deployments, reload }) {
  const pct = h('input', { name: 'percentTraffic', type: 'number', min: '0', max: '100', step: '0.1', value: '10', required: true });
  const dep = h('select', { name: 'deploymentId' }, deployments.map((d) =>
    h('option', { value: d.id }, `${d.id} — ${d.description || 'no description'} (${fmtDate(d.createdDate)})${d.id === stage.deploymentId ? ' [active]' : ''}`)));
  const other = deployments.find((d) => d.id !== stage.deploymentId);
  if (other) dep.value = other.id;
  const cache = h('input', { type: 'checkbox', id: 'canary-cache', name: 'useStageCache' });
  const ov = overridesEditor();
  const slot = errorSlot();
  const submit = h('button.primary', { type: 'submit' }, 'Create canary');
  const form = h('form',
    h('p.hint', 'A canary sends a share of this stage\'s traffic to another deployment, with its own stage variable overrides.'),
    field('Percentage of requests to the canary', pct), field('Canary deployment', dep),
    h('div.field.check', cache, h('label', { for: cache.id }, 'Use the stage cache')),
    ov.el, slot, h('div.actions', submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ops = [
      { op: 'replace', path: '/canarySettings/percentTraffic', value: pct.value },
      { op: 'replace', path: '/canarySettings/deploymentId', value: dep.value },
      { op: 'replace', path: '/canarySettings/useStageCache', value: String(cache.checked) },
      ...Object.entries(ov.read()).map(([k, v]) => ({ op: 'replace', path: `/canarySettings/stageVariableOverrides/${k}`, value: v })),
    ];
    const ok = await busy(submit, slot, () => patchStage(api.id, stage.stageName, ops), 'Creating…');
    if (ok) { flash('Canary created.'); reload('canary'); }
  });
  clear(card, h('h2', 'Canary'), h('p.empty', `Stage ${stage.stageName} has no canary.`), form);
}

// Pure: the UpdateStage operations turning the canary's overrides `before` into `after`.
export function overrideOps(before, after) {
  const ops = [];
  for (const [k, v] of Object.entries(after)) {
    if (before[k] !== v) ops.push({ op: 'replace', path: `/canarySettings/stageVariableOverrides/${k}`, value: v });
  }
  for (const k of Object.keys(before)) {
    if (!(k in after)) ops.push({ op: 'remove', path: `/canarySettings/stageVariableOverrides/${k}` });
  }
  return ops;
}

// Sentences describing what promotion changes.
export function promotionChanges(stage) {
  const c = stage.canarySettings || {};
  const out = [];
  out.push(c.deploymentId && c.deploymentId !== stage.deploymentId
    ? `Active deployment: ${stage.deploymentId} → ${c.deploymentId}`
    : `Active deployment stays ${stage.deploymentId}`);
  const vars = stage.variables || {};
  const ovs = Object.entries(c.stageVariableOverrides || {});
  if (!ovs.length) out.push('Stage variables: unchanged (the canary has no overrides)');
  for (const [k, v] of ovs) {
    out.push(k in vars ? `Stage variable ${k}: "${vars[k]}" → "${v}"` : `Stage variable ${k}: added with "${v}"`);
  }
  out.push(`Canary traffic: ${c.percentTraffic ?? 0}% → 0% (the canary stays, idle, until you delete it)`);
  return out;
}

function existing(card, { api, stage, deployments, reload }) {
  const c = stage.canarySettings;
  const dep = deployments.find((d) => d.id === c.deploymentId);
  const pct = h('input', { name: 'percentTraffic', type: 'number', min: '0', max: '100', step: '0.1', value: String(c.percentTraffic ?? 0), required: true });
  const pctSlot = errorSlot();
  const pctBtn = h('button.primary', { type: 'submit' }, 'Change percentage');
  const pctForm = h('form.inline-form', { 'aria-label': 'Change the canary percentage' }, field('Percentage of requests to the canary', pct), h('div.actions', pctBtn), pctSlot);
  pctForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ok = await busy(pctBtn, pctSlot, () => patchStage(api.id, stage.stageName,
      [{ op: 'replace', path: '/canarySettings/percentTraffic', value: pct.value }]), 'Saving…');
    if (ok) { flash(`Canary percentage set to ${pct.value}%.`); reload('canary'); }
  });
  const actionSlot = errorSlot();
  const promote = h('button.primary', { type: 'button' }, 'Promote canary');
  promote.addEventListener('click', async () => {
    const ok = await confirmDialog('Promote canary', [
      h('p', 'Promotion makes the canary the stage\'s base. It changes:'),
      h('ul.changes', promotionChanges(stage).map((s) => h('li', s))),
    ], 'Promote', { action: () => patchStage(api.id, stage.stageName, PROMOTE_OPS) });
    if (ok) { flash('Canary promoted.'); reload('canary'); }
  });
  const remove = h('button.danger', { type: 'button' }, 'Delete canary');
  remove.addEventListener('click', async () => {
    const ok = await confirmDialog('Delete canary', [h('p', `All traffic of ${stage.stageName} goes back to deployment ${stage.deploymentId}; the canary settings are removed.`)],
      'Delete canary', { danger: true, action: () => patchStage(api.id, stage.stageName, [{ op: 'remove', path: '/canarySettings' }]) });
    if (ok) { flash('Canary deleted.'); reload('canary'); }
  });
  const ovs = Object.entries(c.stageVariableOverrides || {});
  // The overrides stay editable: each change is one operation on its variable.
  const ovEditor = overridesEditor(c.stageVariableOverrides || {});
  const ovSlot = errorSlot();
  const ovBtn = h('button.primary', { type: 'submit' }, 'Save overrides');
  const ovForm = h('form.canary-overrides', { 'aria-label': 'Canary stage variable overrides' }, ovEditor.el, ovSlot, h('div.actions', ovBtn));
  ovForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ops = overrideOps(c.stageVariableOverrides || {}, ovEditor.read());
    if (!ops.length) return;
    const ok = await busy(ovBtn, ovSlot, () => patchStage(api.id, stage.stageName, ops), 'Saving…');
    if (ok) { flash('Canary overrides saved.'); reload('canary'); }
  });
  clear(card,
    h('div.page-head', h('h2', 'Canary'), h('div.actions', promote, remove)),
    actionSlot,
    h('dl.grid',
      h('dt', 'Canary deployment'), h('dd', h('code.canary-deployment', c.deploymentId || '—'), dep ? ` — ${dep.description || 'no description'}` : ''),
      h('dt', 'Traffic'), h('dd', h('span.canary-percent', `${c.percentTraffic ?? 0}%`), ` to the canary, ${100 - (c.percentTraffic ?? 0)}% to ${stage.deploymentId}`),
      h('dt', 'Uses stage cache'), h('dd', c.useStageCache ? 'yes' : 'no'),
      h('dt', 'Variable overrides'), h('dd', ovs.length ? ovs.map(([k, v]) => h('div', h('code', k), ' = ', v)) : 'none')),
    pctForm, ovForm);
}
