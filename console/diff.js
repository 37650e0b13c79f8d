// Deployment diff: compare two deployments' API summaries (paths, methods, authorization).
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

export function diffTab(panel, { api, stage, deployments }) {
  const opts = (sel) => deployments.map((d) => h('option', { value: d.id, selected: d.id === sel },
    `${d.id} — ${d.description || 'no description'} (${fmtDate(d.createdDate)})${d.id === stage.deploymentId ? ' [active]' : ''}`));
  const older = deployments.find((d) => d.id !== stage.deploymentId);
  const from = h('select', { name: 'from' }, opts(older ? older.id : stage.deploymentId));
  const to = h('select', { name: 'to' }, opts(stage.deploymentId));
  const slot = errorSlot();
  const out = h('div.diff-out', { 'aria-live': 'polite' });
  const run = h('button.primary', { type: 'submit' }, 'Compare');
  const form = h('form.inline-form', { 'aria-label': 'Pick two deployments' }, field('From (older)', from), field('To (newer)', to), h('div.actions', run));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const res = await busy(run, slot, () => Promise.all([from.value, to.value].map((id) =>
      get(path('restapis', api.id, 'deployments', id), { embed: 'apisummary' }))), 'Comparing…');
    if (!res) return;
    const d = diffSummaries(res[0].apiSummary, res[1].apiSummary);
    const section = (title, cls, items) => h('section.diff-group.' + cls, h('h3', `${title} (${items.length})`),
      items.length ? h('ul', items.map((i) => h('li', i))) : h('p.muted', 'none'));
    clear(out,
      !d.added.length && !d.removed.length && !d.changed.length ? h('p.ok', 'No differences in the summaries.') : null,
      section('Added', 'added', d.added), section('Removed', 'removed', d.removed), section('Changed', 'changed', d.changed));
  });
  panel.append(h('div.card',
    h('h2', 'Deployment diff'),
    h('p.note', 'API Gateway\'s management API exposes only a summary of a past deployment (its paths, methods, authorization type and API key requirement). This diff compares exactly that; integrations, mapping templates and settings frozen in a deployment cannot be read back through the public API, so they are not compared here.'),
    form, slot, out));
}
