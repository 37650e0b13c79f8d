// Deployment history: every deployment, the active one marked; select one and make it active.
import { h, confirmDialog, fmtDate, flash } from './ui.js';
import { patchStage, del, path } from './api.js';

export function historyTab(panel, { api, stage, stages = [stage], deployments, reload }) {
  let selected = null;
  const change = h('button.primary', { type: 'button', disabled: true }, 'Change active deployment');
  const remove = h('button.danger', { type: 'button', disabled: true }, 'Delete deployment');
  const removeWhy = h('p.hint.delete-why', { 'aria-live': 'polite' });
  const group = `dep-${stage.stageName}`;
  const rows = deployments.map((d) => {
    const active = d.id === stage.deploymentId;
    const canary = stage.canarySettings && stage.canarySettings.deploymentId === d.id;
    const radio = h('input', { type: 'radio', name: group, value: d.id, id: `pick-${d.id}`, 'aria-label': `Select deployment ${d.id}` });
    // AWS refuses to delete a deployment a stage or a canary serves: say so before asking.
    const users = stages.filter((s) => s.deploymentId === d.id || s.canarySettings?.deploymentId === d.id)
      .map((s) => (s.deploymentId === d.id ? `stage ${s.stageName}` : `the canary of ${s.stageName}`));
    radio.addEventListener('change', () => {
      selected = d;
      remove.disabled = users.length > 0;
      remove.title = users.length ? `Served by ${users.join(' and ')}: it cannot be deleted` : '';
      removeWhy.textContent = remove.title;
      change.disabled = active;
      change.title = active ? 'This deployment is already active' : '';
    });
    return h('tr' + (active ? '.active' : ''), { dataset: { deploymentId: d.id } },
      h('td', radio),
      h('td', h('label', { for: radio.id }, h('code', d.id))),
      h('td', fmtDate(d.createdDate)),
      h('td', d.description || h('span.muted', 'no description')),
      h('td', active ? h('span.badge.active', 'Active') : null, canary ? h('span.badge.canary', 'Canary') : null));
  });
  change.addEventListener('click', async () => {
    if (!selected) return;
    const ok = await confirmDialog('Make active deployment', [
      h('p', 'Stage ', h('strong', stage.stageName), ' will serve deployment ', h('code', selected.id),
        selected.description ? ` (${selected.description})` : '', ' instead of ', h('code', stage.deploymentId), '.'),
      h('p.hint', 'The change takes effect for the next request; in-flight requests finish on the current deployment.'),
    ], 'Make active deployment', {
      action: () => patchStage(api.id, stage.stageName, [{ op: 'replace', path: '/deploymentId', value: selected.id }]),
    });
    if (ok) { flash(`Stage ${stage.stageName} now serves deployment ${selected.id}.`); reload('history'); }
  });
  remove.addEventListener('click', async () => {
    if (!selected) return;
    const ok = await confirmDialog('Delete deployment', [
      h('p', 'Delete deployment ', h('code', selected.id), selected.description ? ` (${selected.description})` : '', '? This cannot be undone.'),
      h('p.hint', 'A deployment that a stage or a canary still serves cannot be deleted.'),
    ], 'Delete deployment', { danger: true, action: () => del(path('restapis', api.id, 'deployments', selected.id)) });
    if (ok) { flash(`Deployment ${selected.id} deleted.`); reload('history'); }
  });
  panel.append(h('div.card',
    h('div.page-head', h('h2', 'Deployment history'), h('div.actions', remove, change)), removeWhy,
    deployments.length
      ? h('table.list.history', h('thead', h('tr', h('th', h('span.sr-only', 'Select')), ...['Deployment ID', 'Deployed', 'Description', 'Status'].map((c) => h('th', { scope: 'col' }, c)))), h('tbody', rows))
      : h('p.empty', 'No deployments yet.')));
}
