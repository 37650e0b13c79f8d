// Per-method overrides of the stage's method settings (/~1path/METHOD/...).
import { h, field, errorSlot, busy, confirmDialog, flash } from './ui.js';
import { all, path, patchStage, escapePointer } from './api.js';

// "pets/{id}/GET" → { resourcePath: "/pets/{id}", method: "GET" }
export function splitKey(key) {
  const i = key.lastIndexOf('/');
  return { resourcePath: '/' + key.slice(0, i).replace(/^\//, ''), method: key.slice(i + 1) };
}

export const settingPrefix = (resourcePath, method) => `/${escapePointer(resourcePath)}/${method}`;

function describe(ms) {
  return [
    `rate ${ms.throttlingRateLimit ?? '—'}/s, burst ${ms.throttlingBurstLimit ?? '—'}`,
    `logging ${ms.loggingLevel || 'OFF'}${ms.dataTraceEnabled ? ' + data trace' : ''}`,
    `metrics ${ms.metricsEnabled ? 'on' : 'off'}`,
    `cache ${ms.cachingEnabled ? `on (${ms.cacheTtlInSeconds ?? 300}s)` : 'off'}`,
  ].join(' · ');
}

export function overridesTab(panel, { api, stage, reload }) {
  const overrides = Object.entries(stage.methodSettings || {}).filter(([k]) => k !== '*/*');
  const rows = overrides.map(([key, ms]) => {
    const { resourcePath, method } = splitKey(key);
    const rm = h('button.small.danger', { type: 'button', 'aria-label': `Remove override for ${method} ${resourcePath}` }, 'Remove');
    rm.addEventListener('click', async () => {
      const ok = await confirmDialog('Remove method override', [h('p', `${method} ${resourcePath} will use the stage-wide settings again.`)],
        'Remove override', { danger: true, action: () => patchStage(api.id, stage.stageName, [{ op: 'remove', path: settingPrefix(resourcePath, method) }]) });
      if (ok) { flash(`Override for ${method} ${resourcePath} removed.`); reload('overrides'); }
    });
    return h('tr', h('th', { scope: 'row' }, h('code', `${method} ${resourcePath}`)), h('td', describe(ms)), h('td.row-actions', rm));
  });
  const target = h('select', { name: 'method', required: true }, h('option', { value: '' }, 'Loading methods…'));
  all(path('restapis', api.id, 'resources'), { embed: 'methods' }).then((resources) => {
    target.replaceChildren(h('option', { value: '' }, 'Choose a method'));
    for (const r of resources.sort((a, b) => a.path.localeCompare(b.path))) {
      for (const m of Object.keys(r.resourceMethods || {}).sort()) {
        target.append(h('option', { value: `${r.path} ${m}` }, `${m} ${r.path}`));
      }
    }
  }).catch(() => target.replaceChildren(h('option', { value: '' }, 'Could not load the methods')));
  const inputs = {
    'throttling/rateLimit': h('input', { type: 'number', min: '0', step: 'any', placeholder: 'stage default' }),
    'throttling/burstLimit': h('input', { type: 'number', min: '0', step: '1', placeholder: 'stage default' }),
    'logging/loglevel': h('select', ['', 'OFF', 'ERROR', 'INFO'].map((l) => h('option', { value: l }, l || 'stage default'))),
    'metrics/enabled': h('select', ['', 'true', 'false'].map((l) => h('option', { value: l }, l || 'stage default'))),
    'caching/enabled': h('select', ['', 'true', 'false'].map((l) => h('option', { value: l }, l || 'stage default'))),
    'caching/ttlInSeconds': h('input', { type: 'number', min: '0', max: '3600', placeholder: 'stage default' }),
  };
  const labels = {
    'throttling/rateLimit': 'Throttling rate', 'throttling/burstLimit': 'Throttling burst',
    'logging/loglevel': 'Logging level', 'metrics/enabled': 'Detailed metrics',
    'caching/enabled': 'Caching', 'caching/ttlInSeconds': 'Cache TTL (seconds)',
  };
  // Choosing a method with an override fills the form with its current values.
  const current = {
    'throttling/rateLimit': 'throttlingRateLimit', 'throttling/burstLimit': 'throttlingBurstLimit',
    'logging/loglevel': 'loggingLevel', 'metrics/enabled': 'metricsEnabled',
    'caching/enabled': 'cachingEnabled', 'caching/ttlInSeconds': 'cacheTtlInSeconds',
  };
  target.addEventListener('change', () => {
    const [resourcePath, method] = target.value.split(' ');
    const ms = (stage.methodSettings || {})[`${(resourcePath || '').replace(/^\//, '')}/${method}`];
    for (const [k, el] of Object.entries(inputs)) {
      const v = ms ? ms[current[k]] : undefined;
      el.value = v === undefined || v === null ? '' : String(v);
    }
  });
  const slot = errorSlot();
  const save = h('button.primary', { type: 'submit' }, 'Save override');
  const form = h('form.inline-form.wrap', { 'aria-label': 'Add or change a method override' },
    field('Method', target), Object.entries(inputs).map(([k, el]) => field(labels[k], el)), h('div.actions', save), slot);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const [resourcePath, method] = target.value.split(' ');
    const prefix = settingPrefix(resourcePath, method);
    const ops = Object.entries(inputs).filter(([, el]) => el.value !== '')
      .map(([k, el]) => ({ op: 'replace', path: `${prefix}/${k}`, value: el.value }));
    if (!ops.length) ops.push({ op: 'replace', path: `${prefix}/metrics/enabled`, value: 'false' });
    const ok = await busy(save, slot, () => patchStage(api.id, stage.stageName, ops), 'Saving…');
    if (ok) { flash(`Override for ${method} ${resourcePath} saved.`); reload('overrides'); }
  });
  panel.append(h('div.card',
    h('h2', 'Method overrides'),
    h('p.hint', 'Settings for one method that replace the stage-wide defaults.'),
    rows.length ? h('table.list', h('thead', h('tr', h('th', { scope: 'col' }, 'Method'), h('th', { scope: 'col' }, 'Settings'), h('th', h('span.sr-only', 'Actions')))), h('tbody', rows))
      : h('p.empty', 'No overrides: every method uses the stage settings.'),
    h('h3', 'Add or change an override'), form));
}
