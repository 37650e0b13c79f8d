// The Stages pane: every stage with its Invoke URL, active deployment and dates, and the
// selected stage's tabs (settings, variables, overrides, history, canary, diff, traffic).
import { h, clear, tabs, copyButton, fmtDate, confirmDialog, errorSlot, showError } from './ui.js';
import { get, all, del, path, invokeUrls } from './api.js';
import { apiHeader } from './apihead.js';
import { go, leave } from './nav.js';
import { settingsTab } from './settings.js';
import { variablesTab } from './variables.js';
import { overridesTab } from './overrides.js';
import { historyTab } from './history.js';
import { canaryTab } from './canary.js';
import { diffTab } from './diff.js';
import { trafficTab } from './traffic.js';
import { exportDialog, sdkDialog } from './openapi.js';

const TABS = [
  ['settings', 'Stage settings', settingsTab],
  ['variables', 'Stage variables', variablesTab],
  ['overrides', 'Method overrides', overridesTab],
  ['history', 'Deployment history', historyTab],
  ['canary', 'Canary', canaryTab],
  ['diff', 'Deployment diff', diffTab],
  ['traffic', 'Live traffic', trafficTab],
];

const stageHash = (apiId, stage, tab) =>
  `#/apis/${encodeURIComponent(apiId)}/stages/${encodeURIComponent(stage)}${tab ? '/' + tab : ''}`;

export async function stagesPage(main, apiId, stageName, tabId = 'settings', focusTab = false) {
  leave();
  const [api, stages, deployments] = await Promise.all([
    get(path('restapis', apiId)),
    all(path('restapis', apiId, 'stages')),
    all(path('restapis', apiId, 'deployments')),
  ]);
  stages.sort((a, b) => a.stageName.localeCompare(b.stageName));
  deployments.sort((a, b) => (b.createdDate || 0) - (a.createdDate || 0));
  const stage = stages.find((s) => s.stageName === stageName) || (stageName ? null : stages[0]);
  const header = apiHeader(api, 'stages', (r) => go(stageHash(apiId, r.stageName, tabId)));
  const list = h('nav.card.stage-list', { 'aria-label': 'Stages' },
    h('h2', 'Stages'),
    stages.length ? h('ul', stages.map((s) => stageItem(api, s, stage, tabId)))
      : h('p.empty', 'No stages yet. Choose Deploy API to create one.'));
  const detail = h('section.stage-detail');
  // A tab switch or reload that cannot fetch says so above the tabs (the page stays).
  const failed = (e) => {
    const slot = errorSlot();
    slot.classList.add('fetch-failed');
    detail.querySelector('.fetch-failed')?.remove();
    detail.prepend(slot);
    showError(slot, e);
  };
  if (stage) {
    const ctx = {
      api, stage, stages, deployments,
      reload: (tab = tabId) => stagesPage(main, apiId, stage.stageName, tab, true).catch(failed),
    };
    detail.append(stageSummary(ctx), tabs(
      TABS.map(([id, label, render]) => ({ id, label, render: (panel) => render(panel, ctx) })),
      tabId,
      (id, fromKeyboard) => {
        history.replaceState(null, '', stageHash(apiId, stage.stageName, id));
        stagesPage(main, apiId, stage.stageName, id, fromKeyboard).catch(failed);
      }));
  } else if (stageName) {
    detail.append(h('p.error', `There is no stage named ${stageName}.`));
  }
  clear(main, header, h('div.stages', list, detail));
  if (focusTab) main.querySelector(`[data-tab="${tabId}"]`)?.focus();
}

function stageItem(api, s, current, tabId) {
  const here = current && current.stageName === s.stageName;
  return h('li' + (here ? '.current' : ''),
    h('a', { href: stageHash(api.id, s.stageName, tabId), 'aria-current': here ? 'page' : null },
      h('strong', s.stageName),
      s.canarySettings ? h('span.badge.canary', 'canary') : null),
    h('small', 'deployment ', h('code', s.deploymentId)),
    h('small', 'updated ', fmtDate(s.lastUpdatedDate)));
}

function stageSummary({ api, stage, deployments }) {
  const urls = invokeUrls(api.id, stage.stageName);
  const dep = deployments.find((d) => d.id === stage.deploymentId);
  const remove = h('button.small.danger', { type: 'button' }, 'Delete stage');
  remove.addEventListener('click', async () => {
    const ok = await confirmDialog('Delete stage', [h('p', 'Delete stage ', h('strong', stage.stageName),
      '? Its Invoke URL stops answering at once. Deployments are kept.')], 'Delete stage',
    { danger: true, action: () => del(path('restapis', api.id, 'stages', stage.stageName)) });
    if (ok) go(`#/apis/${encodeURIComponent(api.id)}/stages`);
  });
  const exportBtn = h('button.small', { type: 'button' }, 'Export');
  exportBtn.addEventListener('click', () => exportDialog(api.id, stage.stageName));
  const sdkBtn = h('button.small', { type: 'button' }, 'Generate SDK');
  sdkBtn.addEventListener('click', () => sdkDialog(api.id, stage.stageName));
  return h('div.card.summary',
    h('div.page-head', h('h2', 'Stage ', h('span.stage-name', stage.stageName)),
      h('div.head-actions', exportBtn, sdkBtn, remove)),
    stage.description ? h('p', stage.description) : null,
    h('dl.grid',
      h('dt', 'Invoke URL'), h('dd', h('a.invoke-url', { href: urls.host, target: '_blank', rel: 'noopener' }, urls.host), ' ', copyButton(urls.host, 'Copy URL')),
      h('dt', 'Path-style'), h('dd', h('code', urls.path), ' ', copyButton(urls.path)),
      h('dt', 'Active deployment'), h('dd', h('code.active-deployment', stage.deploymentId),
        dep ? ` — ${dep.description || 'no description'} (${fmtDate(dep.createdDate)})` : ''),
      stage.canarySettings ? [h('dt', 'Canary'), h('dd', `${stage.canarySettings.percentTraffic ?? 0}% to `, h('code', stage.canarySettings.deploymentId || '—'))] : null,
      h('dt', 'Created'), h('dd', fmtDate(stage.createdDate)),
      h('dt', 'Last updated'), h('dd', fmtDate(stage.lastUpdatedDate))));
}
