// Deployment diff: compare what two deployments froze — resources, methods, integrations,
// mapping templates, responses, models and API settings — from GetDeployment with Proscenium's
// `embed=proscenium:definition` extension; falls back to AWS's API summary.
import { h, clear, field, errorSlot, busy, fmtDate } from './ui.js';
import { get, path } from './api.js';

// Pure: { added: [...], removed: [...], changed: [...] } between two apiSummary maps.
export function diffSummaries(a = {}, b = {}) {
  const out = { added: [], removed: [], changed: [] };
  const paths = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const p of paths) {
    if (!(p in a)) { out.added.push(`Resource ${p} (${Object.keys(b[p] || {}).sort().join(', ') || 'no methods'})`); continue; }
    if (!(p in b)) { out.removed.push(`Resource ${p} (${Object.keys(a[p] || {}).sort().join(', ') || 'no methods'})`); continue; }
    const methods = [...new Set([...Object.keys(a[p] || {}), ...Object.keys(b[p] || {})])].sort();
    for (const m of methods) {
      const x = (a[p] || {})[m];
      const y = (b[p] || {})[m];
      if (!x) out.added.push(`Method ${m} ${p}`);
      else if (!y) out.removed.push(`Method ${m} ${p}`);
      else {
        for (const k of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) {
          if (JSON.stringify(x[k]) !== JSON.stringify(y[k])) {
            out.changed.push(`${m} ${p}: ${k} ${JSON.stringify(x[k])} → ${JSON.stringify(y[k])}`);
          }
        }
      }
    }
  }
  return out;
}

// Pure: flattens an API definition into "human path" → printed value, so two deployments can
// be compared key by key. Resources are named by their path, methods as "GET /pets".
export function flattenDefinition(def = {}) {
  const out = {};
  const put = (prefix, v) => {
    if (v === null || v === undefined) return;
    if (typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (!keys.length) return;
      for (const k of keys.sort()) put(`${prefix} › ${k}`, v[k]);
    } else {
      out[prefix] = JSON.stringify(v);
    }
  };
  const api = { ...(def.api || {}) };
  for (const k of ['id', 'createdDate', 'rootResourceId', 'tags']) delete api[k];
  put('API settings', api);
  for (const r of Object.values(def.resources || {})) {
    out[`Resource ${r.path}`] = 'exists';
    for (const [m, method] of Object.entries(r.resourceMethods || {})) {
      const { methodIntegration, ...rest } = method;
      const name = `${m} ${r.path}`;
      out[name] = 'exists';
      put(`${name} › method`, rest);
      put(`${name} › integration`, methodIntegration);
    }
  }
  for (const [n, m] of Object.entries(def.models || {})) { const { id, ...rest } = m; put(`Model ${n}`, rest); }
  for (const a of Object.values(def.authorizers || {})) { const { id, ...rest } = a; put(`Authorizer ${a.name}`, rest); }
  for (const v of Object.values(def.requestValidators || {})) { const { id, ...rest } = v; put(`Request validator ${v.name || v.id}`, rest); }
  for (const [t, g] of Object.entries(def.gatewayResponses || {})) put(`Gateway response ${t}`, g);
  return out;
}

// Pure: { added, removed, changed } between two flattened definitions; children of an added or
// removed resource or method are not listed again.
export function diffDefinitions(a = {}, b = {}) {
  const fa = flattenDefinition(a);
  const fb = flattenDefinition(b);
  const out = { added: [], removed: [], changed: [] };
  const short = (v) => (v.length > 160 ? `${v.slice(0, 157)}…` : v);
  const covered = (key, set) => set.some((p) => key !== p && key.startsWith(`${p} › `));
  const added = Object.keys(fb).filter((k) => !(k in fa)).sort();
  const removed = Object.keys(fa).filter((k) => !(k in fb)).sort();
  const roots = (keys) => keys.filter((k) => fa[k] === 'exists' || fb[k] === 'exists');
  for (const k of added) if (!covered(k, roots(added))) out.added.push(fb[k] === 'exists' ? k : `${k} = ${short(fb[k])}`);
  for (const k of removed) if (!covered(k, roots(removed))) out.removed.push(fa[k] === 'exists' ? k : `${k} = ${short(fa[k])}`);
  for (const k of Object.keys(fa).sort()) {
    if (k in fb && fa[k] !== fb[k]) out.changed.push(`${k}: ${short(fa[k])} → ${short(fb[k])}`);
  }
  return out;
}

export function diffTab(panel, { api, stage, deployments }) {
  const opts = (sel) => deployments.map((d) => h('option', { value: d.id, selected: d.id === sel },
    `${d.id} — ${d.description || 'no description'} (${fmtDate(d.createdDate)})${d.id === stage.deploymentId ? ' [active]' : ''}`));
  // The active deployment against the one before it (deployments are newest first); when the
  // active one is the oldest, against the one after it. "From" is always the older.
  const i = Math.max(0, deployments.findIndex((d) => d.id === stage.deploymentId));
  const [toDep, fromDep] = deployments[i + 1] ? [deployments[i], deployments[i + 1]] : [deployments[i - 1] || deployments[i], deployments[i]];
  const from = h('select', { name: 'from' }, opts(fromDep ? fromDep.id : stage.deploymentId));
  const to = h('select', { name: 'to' }, opts(toDep ? toDep.id : stage.deploymentId));
  const slot = errorSlot();
  const out = h('div.diff-out', { 'aria-live': 'polite' });
  const run = h('button.primary', { type: 'submit' }, 'Compare');
  const form = h('form.inline-form', { 'aria-label': 'Pick two deployments' }, field('From (older)', from), field('To (newer)', to), h('div.actions', run));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const res = await busy(run, slot, () => Promise.all([from.value, to.value].map((id) =>
      get(path('restapis', api.id, 'deployments', id), { embed: ['apisummary', 'proscenium:definition'] }))), 'Comparing…');
    if (!res) return;
    const full = res[0].prosceniumDefinition && res[1].prosceniumDefinition;
    const d = full
      ? diffDefinitions(res[0].prosceniumDefinition, res[1].prosceniumDefinition)
      : diffSummaries(res[0].apiSummary, res[1].apiSummary);
    const section = (title, cls, items) => h('section.diff-group.' + cls, h('h3', `${title} (${items.length})`),
      items.length ? h('ul', items.map((i) => h('li', i))) : h('p.muted', 'none'));
    clear(out,
      !d.added.length && !d.removed.length && !d.changed.length ? h('p.ok', 'No differences.') : null,
      section('Added', 'added', d.added), section('Removed', 'removed', d.removed), section('Changed', 'changed', d.changed));
  });
  panel.append(h('div.card',
    h('h2', 'Deployment diff'),
    h('p.note', 'Compares everything each deployment froze: resources, methods, integrations, mapping templates, method and integration responses, models, authorizers, validators, gateway responses and API settings. (AWS\'s API exposes only a summary of a past deployment; Proscenium adds the full definition to GetDeployment with embed=proscenium:definition.)'),
    form, slot, out));
}
