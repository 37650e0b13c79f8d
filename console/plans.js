// Usage plans: the list (create, delete) and one plan's page: its settings (UpdateUsagePlan
// patch operations), API stages with per-method throttles, keys, and each key's usage
// (GetUsage, drawn with chart.js) with "Adjust remaining" (UpdateUsage).
import { h, clear, field, errorSlot, busy, dialog, confirmDialog, flash, showError, nextId } from './ui.js';
import { get, all, post, patch, del, path, escapePointer } from './api.js';
import { barChart } from './chart.js';
import { lastDays, usageSeries, usageTotals, shortDay, remainingOps } from './usage.js';
import { go } from './nav.js';

export const QUOTA_PERIODS = ['DAY', 'WEEK', 'MONTH'];
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', '*'];

// The form's values for a plan (strings, '' for unset).
export function formFromPlan(p = {}) {
  const s = (v) => (v == null ? '' : String(v));
  return {
    name: p.name || '',
    description: p.description || '',
    rateLimit: s(p.throttle?.rateLimit),
    burstLimit: s(p.throttle?.burstLimit),
    quotaLimit: s(p.quota?.limit),
    quotaPeriod: p.quota?.period || 'DAY',
    quotaOffset: p.quota ? s(p.quota.offset ?? 0) : '0',
  };
}

const trimAll = (v) => Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x ?? '').trim()]));

// The CreateUsagePlan body: throttle and quota only when given.
export function createPlanBody(values) {
  const v = trimAll(values);
  const body = { name: v.name };
  if (v.description) body.description = v.description;
  if (v.rateLimit !== '' || v.burstLimit !== '') {
    body.throttle = {};
    if (v.rateLimit !== '') body.throttle.rateLimit = Number(v.rateLimit);
    if (v.burstLimit !== '') body.throttle.burstLimit = Number(v.burstLimit);
  }
  if (v.quotaLimit !== '') body.quota = { limit: Number(v.quotaLimit), period: v.quotaPeriod, offset: Number(v.quotaOffset || 0) };
  return body;
}

// UpdateUsagePlan operations from form values `before` to `after` (only what changed). A
// throttle or quota emptied is removed (`remove /throttle`, `remove /quota`); a throttle with
// one of its two limits emptied is removed and set again with the other.
export function planOps(beforeValues, afterValues) {
  const b = trimAll(beforeValues);
  const a = trimAll(afterValues);
  const ops = [];
  const rep = (p, value) => ops.push({ op: 'replace', path: p, value: String(value) });
  if (a.name !== b.name) rep('/name', a.name);
  if (a.description !== b.description) rep('/description', a.description);
  const hadThrottle = b.rateLimit !== '' || b.burstLimit !== '';
  const cleared = (k) => b[k] !== '' && a[k] === '';
  if (hadThrottle && (cleared('rateLimit') || cleared('burstLimit'))) {
    ops.push({ op: 'remove', path: '/throttle' });
    if (a.rateLimit !== '') rep('/throttle/rateLimit', a.rateLimit);
    if (a.burstLimit !== '') rep('/throttle/burstLimit', a.burstLimit);
  } else {
    if (a.rateLimit !== b.rateLimit) rep('/throttle/rateLimit', a.rateLimit);
    if (a.burstLimit !== b.burstLimit) rep('/throttle/burstLimit', a.burstLimit);
  }
  const hadQuota = b.quotaLimit !== '';
  if (a.quotaLimit === '') {
    if (hadQuota) ops.push({ op: 'remove', path: '/quota' });
  } else {
    if (a.quotaLimit !== b.quotaLimit) rep('/quota/limit', a.quotaLimit);
    if (!hadQuota || a.quotaPeriod !== b.quotaPeriod) rep('/quota/period', a.quotaPeriod);
    if (!hadQuota || a.quotaOffset !== b.quotaOffset) rep('/quota/offset', a.quotaOffset || '0');
  }
  return ops;
}

// `apiId:stage`, as /apiStages values and paths spell an API stage.
export const apiStageId = (apiId, stage) => `${apiId}:${stage}`;
export const addStageOps = (apiId, stage) => [{ op: 'add', path: '/apiStages', value: apiStageId(apiId, stage) }];
export const removeStageOps = (apiId, stage) => [{ op: 'remove', path: '/apiStages', value: apiStageId(apiId, stage) }];

// "/pets/{id}/GET" → {resourcePath: '/pets/{id}', method: 'GET'} (the keys of a stage's throttle).
export function splitThrottleKey(key) {
  const i = key.lastIndexOf('/');
  return { resourcePath: key.slice(0, i) || '/', method: key.slice(i + 1) };
}

// The path of a method throttle in UpdateUsagePlan:
// /apiStages/{apiId}:{stage}/throttle/{resourcePath, ~1-escaped}/{METHOD}.
export const methodThrottlePath = (apiId, stage, resourcePath, method) =>
  `/apiStages/${apiStageId(apiId, stage)}/throttle/${escapePointer(resourcePath)}/${method.toUpperCase()}`;

// Operations setting a method's throttle (rate and burst, each when given).
export function methodThrottleOps(apiId, stage, resourcePath, method, { rateLimit, burstLimit }) {
  const base = methodThrottlePath(apiId, stage, resourcePath, method);
  const ops = [];
  if (String(rateLimit ?? '').trim() !== '') ops.push({ op: 'replace', path: `${base}/rateLimit`, value: String(rateLimit).trim() });
  if (String(burstLimit ?? '').trim() !== '') ops.push({ op: 'replace', path: `${base}/burstLimit`, value: String(burstLimit).trim() });
  if (!ops.length) throw new Error('Give a rate, a burst, or both.');
  return ops;
}
export const removeMethodThrottleOps = (apiId, stage, resourcePath, method) =>
  [{ op: 'remove', path: methodThrottlePath(apiId, stage, resourcePath, method) }];

// "10 req/s, burst 20" / "1000 per DAY" — short texts for the list.
export function throttleText(t) {
  if (!t || (t.rateLimit == null && t.burstLimit == null)) return 'none';
  return [t.rateLimit != null ? `${t.rateLimit} req/s` : null, t.burstLimit != null ? `burst ${t.burstLimit}` : null].filter(Boolean).join(', ');
}
export function quotaText(q) {
  if (!q) return 'none';
  return `${q.limit} per ${q.period}${q.offset ? ` (offset ${q.offset})` : ''}`;
}

const planHash = (id) => `#/usageplans/${encodeURIComponent(id)}`;

export async function plansPage(main) {
  const plans = await all('/usageplans');
  plans.sort((a, b) => (a.name || '').localeCompare(b.name || ''));
  const createBtn = h('button.primary', { type: 'button' }, 'Create usage plan');
  createBtn.addEventListener('click', async () => {
    const made = await planDialog();
    if (made) { go(planHash(made.id)); flash(`Usage plan ${made.name} created.`); }
  });
  const rows = plans.map((p) => h('tr', { dataset: { planId: p.id, name: p.name } },
    h('th', { scope: 'row' }, h('a', { href: planHash(p.id) }, p.name), p.description ? h('div', h('small.muted', p.description)) : null),
    h('td', h('code', p.id)),
    h('td', throttleText(p.throttle)),
    h('td', quotaText(p.quota)),
    h('td', (p.apiStages || []).length ? (p.apiStages || []).map((s) => h('div', h('code', apiStageId(s.apiId, s.stage)))) : h('span.muted', 'none'))));
  clear(main,
    h('div.page-head', h('h1', 'Usage plans'), createBtn),
    h('p.hint', 'A usage plan lets API keys call the API stages it lists, within its throttle and quota. ',
      'Keys are on the ', h('a', { href: '#/apikeys' }, 'API keys'), ' page; a method checks keys only when it requires one (Resources → Authorization).'),
    rows.length
      ? h('table.list.plans', h('thead', h('tr', ['Name', 'ID', 'Throttle', 'Quota', 'API stages'].map((c) => h('th', { scope: 'col' }, c)))), h('tbody', rows))
      : h('div.empty', h('p', 'No usage plans yet.')));
}

// The plan's fields; used by Create (no `plan`) and by the settings form.
function planFields(v) {
  const name = h('input', { name: 'name', value: v.name, autofocus: true });
  const description = h('input', { name: 'description', value: v.description });
  const rateLimit = h('input', { name: 'rateLimit', type: 'number', min: '0', step: 'any', value: v.rateLimit });
  const burstLimit = h('input', { name: 'burstLimit', type: 'number', min: '0', step: '1', value: v.burstLimit });
  const quotaLimit = h('input', { name: 'quotaLimit', type: 'number', min: '0', step: '1', value: v.quotaLimit });
  const quotaPeriod = h('select', { name: 'quotaPeriod' }, QUOTA_PERIODS.map((p) => h('option', { value: p }, p)));
  quotaPeriod.value = v.quotaPeriod;
  const quotaOffset = h('input', { name: 'quotaOffset', type: 'number', min: '0', step: '1', value: v.quotaOffset });
  const nodes = h('div.two',
    field('Name', name), field('Description', description),
    field('Throttle rate (requests per second)', rateLimit, 'Empty: no plan-wide rate.'),
    field('Throttle burst (requests)', burstLimit),
    field('Quota limit (requests)', quotaLimit, 'Empty: no quota.'),
    field('Quota period', quotaPeriod),
    field('Quota offset (days into the period)', quotaOffset, 'WEEK: 0–6, MONTH: 0–27, DAY: 0.'));
  const read = () => ({ name: name.value, description: description.value, rateLimit: rateLimit.value, burstLimit: burstLimit.value,
    quotaLimit: quotaLimit.value, quotaPeriod: quotaPeriod.value, quotaOffset: quotaOffset.value });
  return { nodes, read };
}

function planDialog() {
  return dialog('Create usage plan', (close) => {
    const f = planFields(formFromPlan());
    const slot = errorSlot();
    const submit = h('button.primary', { type: 'submit' }, 'Create usage plan');
    const form = h('form', f.nodes, h('p.hint', 'Add API stages and keys on the plan\'s page once it exists.'),
      slot, h('div.actions', h('button', { type: 'button', onclick: () => close() }, 'Cancel'), submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const made = await busy(submit, slot, () => post('/usageplans', createPlanBody(f.read())), 'Creating…');
      if (made) close(made);
    });
    return form;
  }, { wide: true });
}

export async function planPage(main, planId) {
  const rangeDays = 7;
  const [plan, planKeys, allKeys, apis] = await Promise.all([
    get(path('usageplans', planId)),
    all(path('usageplans', planId, 'keys')),
    all('/apikeys'),
    all('/restapis'),
  ]);
  const reload = () => go(planHash(planId));
  const apiName = (id) => (apis.find((a) => a.id === id) || {}).name;
  const delBtn = h('button.danger', { type: 'button' }, 'Delete usage plan');
  delBtn.addEventListener('click', async () => {
    const stages = plan.apiStages || [];
    const ok = await confirmDialog('Delete usage plan', [
      h('p', 'Delete the usage plan ', h('strong', plan.name), ` (${plan.id})?`),
      stages.length ? h('p', `Its ${stages.length} API stage${stages.length === 1 ? ' is' : 's are'} removed from it first (AWS refuses to delete a plan that has API stages). Its keys stay, but no longer call through it.`) : null,
    ], 'Delete usage plan', { danger: true, action: async () => {
      if (stages.length) await patch(path('usageplans', plan.id), stages.flatMap((s) => removeStageOps(s.apiId, s.stage)));
      await del(path('usageplans', plan.id));
    } });
    if (ok) { go('#/usageplans'); flash(`Usage plan ${plan.name} deleted.`); }
  });
  clear(main,
    h('nav.crumbs', { 'aria-label': 'Breadcrumb' }, h('a', { href: '#/usageplans' }, 'Usage plans'), ' / ', h('span', plan.name)),
    h('div.page-head', h('h1', plan.name, ' ', h('code.id', plan.id)), delBtn),
    settingsCard(plan, reload),
    stagesCard(plan, apis, apiName, reload),
    keysCard(plan, planKeys, allKeys, reload),
    usageCard(plan, planKeys, rangeDays));
}

function settingsCard(plan, reload) {
  const before = formFromPlan(plan);
  const f = planFields(before);
  const slot = errorSlot();
  const submit = h('button.primary', { type: 'submit' }, 'Save plan');
  const form = h('form.plan-settings', f.nodes, slot, h('div.actions', submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ops = planOps(before, f.read());
    if (!ops.length) { flash('Nothing changed.'); return; }
    const saved = await busy(submit, slot, () => patch(path('usageplans', plan.id), ops), 'Saving…');
    if (saved) { reload(); flash(`Usage plan ${saved.name} saved.`); }
  });
  return h('section.card', { 'aria-labelledby': 'plan-settings-title' }, h('h2#plan-settings-title', 'Settings'), form);
}

function stagesCard(plan, apis, apiName, reload) {
  const stages = plan.apiStages || [];
  const rows = stages.map((s) => {
    const slot = errorSlot();
    const label = `${apiName(s.apiId) || s.apiId} ${s.stage}`;
    const throttles = Object.entries(s.throttle || {}).sort(([a], [b]) => a.localeCompare(b)).map(([key, t]) => {
      const { resourcePath, method } = splitThrottleKey(key);
      const rm = h('button.small', { type: 'button', 'aria-label': `Remove the throttle of ${method} ${resourcePath} on ${label}` }, 'Remove');
      rm.addEventListener('click', async () => {
        const saved = await busy(rm, slot, () => patch(path('usageplans', plan.id), removeMethodThrottleOps(s.apiId, s.stage, resourcePath, method)), 'Removing…');
        if (saved) { reload(); flash(`Throttle of ${method} ${resourcePath} removed.`); }
      });
      return h('li.method-throttle', { dataset: { key } }, h('code', key), ` ${throttleText(t)} `, rm);
    });
    const addThrottle = h('button.small', { type: 'button', 'aria-label': `Method throttle on ${label}` }, 'Method throttle');
    addThrottle.addEventListener('click', async () => {
      const saved = await methodThrottleDialog(plan, s, label);
      if (saved) { reload(); flash(`Method throttle saved on ${label}.`); }
    });
    const rm = h('button.small.danger', { type: 'button', 'aria-label': `Remove ${label} from the plan` }, 'Remove');
    rm.addEventListener('click', async () => {
      const ok = await confirmDialog('Remove API stage', [h('p', 'Remove ', h('strong', label), ' from ', h('strong', plan.name), '? Its keys can no longer call that stage through this plan.')],
        'Remove API stage', { danger: true, action: () => patch(path('usageplans', plan.id), removeStageOps(s.apiId, s.stage)) });
      if (ok) { reload(); flash(`API stage ${label} removed.`); }
    });
    return h('tr', { dataset: { apiStage: apiStageId(s.apiId, s.stage) } },
      h('th', { scope: 'row' }, apiName(s.apiId) ? h('a', { href: `#/apis/${encodeURIComponent(s.apiId)}` }, apiName(s.apiId)) : h('span.muted', 'unknown API'), ' ', h('code.id', s.apiId)),
      h('td', h('a', { href: `#/apis/${encodeURIComponent(s.apiId)}/stages/${encodeURIComponent(s.stage)}` }, s.stage)),
      h('td', throttles.length ? h('ul.plain', throttles) : h('span.muted', 'plan throttle only')),
      h('td.row-actions', addThrottle, ' ', rm, slot));
  });
  // Add an API stage: an API, then one of its stages.
  const apiSel = h('select', { name: 'apiId' }, h('option', { value: '' }, 'Choose an API…'),
    [...apis].sort((a, b) => (a.name || '').localeCompare(b.name || '')).map((a) => h('option', { value: a.id }, `${a.name} (${a.id})`)));
  const stageSel = h('select', { name: 'stage', disabled: true }, h('option', { value: '' }, '—'));
  const slot = errorSlot();
  const add = h('button.primary', { type: 'submit' }, 'Add API stage');
  apiSel.addEventListener('change', async () => {
    stageSel.disabled = true;
    stageSel.replaceChildren(h('option', { value: '' }, 'Loading…'));
    showError(slot, null);
    if (!apiSel.value) { stageSel.replaceChildren(h('option', { value: '' }, '—')); return; }
    try {
      const res = await get(path('restapis', apiSel.value, 'stages'));
      const names = ((res && (res.item || res.items)) || []).map((s) => s.stageName).sort();
      stageSel.replaceChildren(...(names.length ? names.map((n) => h('option', { value: n }, n)) : [h('option', { value: '' }, 'no stages: deploy the API first')]));
      stageSel.disabled = !names.length;
    } catch (e) {
      showError(slot, e);
    }
  });
  const form = h('form.inline-form.add-stage', field('API', apiSel), field('Stage', stageSel), add, slot);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!apiSel.value || !stageSel.value) { showError(slot, new Error('Choose an API and one of its stages.')); return; }
    const saved = await busy(add, slot, () => patch(path('usageplans', plan.id), addStageOps(apiSel.value, stageSel.value)), 'Adding…');
    if (saved) { reload(); flash(`API stage ${apiName(apiSel.value)} ${stageSel.value} added.`); }
  });
  return h('section.card', { 'aria-labelledby': 'plan-stages-title' },
    h('h2#plan-stages-title', 'API stages'),
    rows.length
      ? h('table.list.plan-stages', h('thead', h('tr', ['API', 'Stage', 'Method throttles', h('span.sr-only', 'Actions')].map((c) => h('th', { scope: 'col' }, c)))), h('tbody', rows))
      : h('p.empty', 'No API stages yet: the plan\'s keys cannot call anything.'),
    form);
}

// Per-method throttle for one of the plan's stages: a resource path and method from the API.
function methodThrottleDialog(plan, s, label) {
  return dialog(`Method throttle on ${label}`, (close) => {
    const resSel = h('select', { name: 'resourcePath', autofocus: true }, h('option', { value: '' }, 'Loading…'));
    const methodSel = h('select', { name: 'httpMethod' }, HTTP_METHODS.map((m) => h('option', { value: m }, m)));
    const rate = h('input', { name: 'rateLimit', type: 'number', min: '0', step: 'any' });
    const burst = h('input', { name: 'burstLimit', type: 'number', min: '0', step: '1' });
    const slot = errorSlot();
    const submit = h('button.primary', { type: 'submit' }, 'Save throttle');
    let resources = [];
    const syncMethods = () => {
      const r = resources.find((x) => x.path === resSel.value);
      const methods = r && r.resourceMethods ? Object.keys(r.resourceMethods) : [];
      const list = methods.length ? methods.sort() : HTTP_METHODS;
      methodSel.replaceChildren(...list.map((m) => h('option', { value: m }, m)));
    };
    all(path('restapis', s.apiId, 'resources')).then((items) => {
      resources = items.sort((a, b) => a.path.localeCompare(b.path));
      resSel.replaceChildren(...resources.map((r) => h('option', { value: r.path }, r.path)));
      const firstWithMethods = resources.find((r) => r.resourceMethods && Object.keys(r.resourceMethods).length);
      if (firstWithMethods) resSel.value = firstWithMethods.path;
      syncMethods();
    }, (e) => showError(slot, e));
    resSel.addEventListener('change', syncMethods);
    const form = h('form.method-throttle-form',
      h('p.hint', 'Limits for one method of this stage, for each key of the plan; they replace the plan\'s throttle for that method.'),
      h('div.two', field('Resource', resSel), field('Method', methodSel),
        field('Rate (requests per second)', rate), field('Burst (requests)', burst)),
      slot, h('div.actions', h('button', { type: 'button', onclick: () => close() }, 'Cancel'), submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      let ops;
      try {
        if (!resSel.value) throw new Error('Choose a resource.');
        ops = methodThrottleOps(s.apiId, s.stage, resSel.value, methodSel.value, { rateLimit: rate.value, burstLimit: burst.value });
      } catch (err) {
        showError(slot, err);
        return;
      }
      const saved = await busy(submit, slot, () => patch(path('usageplans', plan.id), ops), 'Saving…');
      if (saved) close(saved);
    });
    return form;
  });
}

function keysCard(plan, planKeys, allKeys, reload) {
  const inPlan = new Set(planKeys.map((k) => k.id));
  const rows = planKeys.map((k) => {
    const slot = errorSlot();
    const full = allKeys.find((x) => x.id === k.id) || k;
    const rm = h('button.small.danger', { type: 'button', 'aria-label': `Remove key ${k.name} from the plan` }, 'Remove');
    rm.addEventListener('click', async () => {
      const ok = await confirmDialog('Remove key from plan', [h('p', 'Remove the key ', h('strong', k.name), ` (${k.id}) from `, h('strong', plan.name), '? The key itself stays.')],
        'Remove key', { danger: true, action: () => del(path('usageplans', plan.id, 'keys', k.id)) });
      if (ok) { reload(); flash(`Key ${k.name} removed from ${plan.name}.`); }
    });
    return h('tr', { dataset: { keyId: k.id, name: k.name } },
      h('th', { scope: 'row' }, k.name),
      h('td', h('code', k.id)),
      h('td', full.enabled === false ? h('span.badge.disabled', 'Disabled') : h('span.badge.active', 'Enabled')),
      h('td.row-actions', rm, slot));
  });
  const candidates = allKeys.filter((k) => !inPlan.has(k.id)).sort((a, b) => (a.name || '').localeCompare(b.name || ''));
  const keySel = h('select', { name: 'keyId' }, candidates.length
    ? candidates.map((k) => h('option', { value: k.id }, `${k.name} (${k.id})`))
    : h('option', { value: '' }, 'no other keys'));
  keySel.disabled = !candidates.length;
  const slot = errorSlot();
  const add = h('button.primary', { type: 'submit', disabled: !candidates.length }, 'Add key');
  const form = h('form.inline-form.add-key', field('API key', keySel), add, slot);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const k = candidates.find((x) => x.id === keySel.value);
    if (!k) return;
    const saved = await busy(add, slot, () => post(path('usageplans', plan.id, 'keys'), { keyId: k.id, keyType: 'API_KEY' }), 'Adding…');
    if (saved) { reload(); flash(`Key ${k.name} added to ${plan.name}.`); }
  });
  return h('section.card', { 'aria-labelledby': 'plan-keys-title' },
    h('h2#plan-keys-title', 'API keys'),
    rows.length
      ? h('table.list.plan-keys', h('thead', h('tr', ['Name', 'ID', 'Enabled', h('span.sr-only', 'Actions')].map((c) => h('th', { scope: 'col' }, c)))), h('tbody', rows))
      : h('p.empty', 'No keys in this plan yet.'),
    form,
    h('p.hint', 'Create keys on the ', h('a', { href: '#/apikeys' }, 'API keys'), ' page.'));
}

function usageCard(plan, planKeys, rangeDays) {
  const range = h('select', { name: 'range', id: 'usage-range' },
    [[7, 'Last 7 days'], [30, 'Last 30 days']].map(([n, l]) => h('option', { value: String(n) }, l)));
  range.value = String(rangeDays);
  const refresh = h('button.small', { type: 'button' }, 'Refresh');
  const body = h('div.usage-body', { 'aria-live': 'polite' });
  const slot = errorSlot();
  const load = async () => {
    const days = Number(range.value);
    const { startDate, endDate } = lastDays(days);
    const usage = await busy(refresh, slot, () => get(path('usageplans', plan.id, 'usage'), { startDate, endDate }), 'Loading…');
    if (!usage) return;
    clear(body, planKeys.map((k) => keyUsage(plan, k, usage, startDate, endDate, load)));
  };
  range.addEventListener('change', load);
  refresh.addEventListener('click', load);
  if (planKeys.length) load(); else body.append(h('p.empty', 'Add a key to see its usage.'));
  return h('section.card.usage', { 'aria-labelledby': 'plan-usage-title' },
    h('div.page-head', h('h2#plan-usage-title', 'Usage'),
      h('div.actions', h('label', { for: 'usage-range' }, 'Usage period'), range, refresh)),
    h('p.hint', `Requests per key per day (UTC), from GetUsage. ${plan.quota ? `Remaining: what is left of the quota (${quotaText(plan.quota)}) at the end of each day.` : 'The plan has no quota, so nothing "remains".'} Counts reach the store within about a second of a call.`),
    slot, body);
}

function keyUsage(plan, k, usage, startDate, endDate, reload) {
  const series = usageSeries(usage, k.id, startDate, endDate);
  const totals = usageTotals(series);
  const titleId = nextId('usage');
  const adjust = h('button.small', { type: 'button', 'aria-label': `Adjust remaining of ${k.name}` }, 'Adjust remaining');
  adjust.hidden = !plan.quota;
  adjust.addEventListener('click', async () => {
    const saved = await adjustDialog(plan, k, totals.remaining);
    if (saved) { flash(`Remaining requests of ${k.name} set to ${saved}.`); reload(); }
  });
  const table = h('table.list.usage-table',
    h('caption.sr-only', `Requests of ${k.name} per day`),
    h('thead', h('tr', ['Day', 'Used', 'Remaining'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', series.filter((d) => d.used > 0 || d === series[series.length - 1]).map((d) =>
      h('tr', { dataset: { date: d.date } }, h('td', d.date), h('td.used', String(d.used)), h('td.remaining', d.remaining == null ? '—' : String(d.remaining))))));
  return h('figure.key-usage', { dataset: { keyId: k.id, name: k.name }, 'aria-labelledby': titleId },
    h('div.page-head',
      h('h3', { id: titleId }, k.name, ' ', h('code.id', k.id)),
      h('div.actions', h('span.usage-total', `${totals.used} request${totals.used === 1 ? '' : 's'}`),
        totals.remaining != null ? h('span.usage-remaining', `${totals.remaining} remaining`) : null, adjust)),
    barChart(series.map((d) => ({ label: shortDay(d.date), value: d.used })), {
      label: `Requests per day of ${k.name}, ${startDate} to ${endDate}: ${totals.used} in all${totals.remaining != null ? `, ${totals.remaining} remaining` : ''}`,
      line: plan.quota ? { values: series.map((d) => d.remaining), max: plan.quota.limit, name: 'remaining' } : null,
    }),
    h('p.legend', h('span.swatch.used', { 'aria-hidden': 'true' }), ' used per day (left axis)',
      plan.quota ? [' ', h('span.swatch.remaining', { 'aria-hidden': 'true' }), ` remaining of the quota (right axis, 0–${plan.quota.limit})`] : null),
    h('details', h('summary', 'Numbers (days with requests, and today)'), table));
}

function adjustDialog(plan, k, remaining) {
  return dialog(`Adjust remaining of ${k.name}`, (close) => {
    const input = h('input', { name: 'remaining', type: 'number', min: '0', step: '1', autofocus: true, value: remaining == null ? '' : String(remaining) });
    const slot = errorSlot();
    const submit = h('button.primary', { type: 'submit' }, 'Set remaining');
    const form = h('form',
      h('p.hint', `What the key may still call in the current quota period (${quotaText(plan.quota)}). Sent as UpdateUsage replace /remaining.`),
      field('Remaining requests', input), slot,
      h('div.actions', h('button', { type: 'button', onclick: () => close() }, 'Cancel'), submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      let ops;
      try { ops = remainingOps(input.value); } catch (err) { showError(slot, err); return; }
      const saved = await busy(submit, slot, () => patch(path('usageplans', plan.id, 'keys', k.id, 'usage'), ops), 'Saving…');
      if (saved) close(ops[0].value);
    });
    return form;
  });
}
