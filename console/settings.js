// The stage editor: settings saved as UpdateStage patch operations (only what changed).
import { h, field, errorSlot, busy, flash } from './ui.js';
import { get, patchStage } from './api.js';

const SIZES = ['0.5', '1.6', '6.1', '13.5', '28.4', '58.2', '118', '237'];

// The values shown in the form, as strings, from a stage.
export function formValues(stage) {
  const all = (stage.methodSettings || {})['*/*'] || {};
  const log = stage.accessLogSettings || {};
  return {
    description: stage.description || '',
    cacheClusterEnabled: String(!!stage.cacheClusterEnabled),
    cacheClusterSize: stage.cacheClusterSize || '0.5',
    rateLimit: String(all.throttlingRateLimit ?? 10000),
    burstLimit: String(all.throttlingBurstLimit ?? 5000),
    loglevel: all.loggingLevel || 'OFF',
    dataTrace: String(!!all.dataTraceEnabled),
    metrics: String(!!all.metricsEnabled),
    logDestination: log.destinationArn || '',
    logFormat: log.format || '',
    clientCertificateId: stage.clientCertificateId || '',
    tracingEnabled: String(!!stage.tracingEnabled),
  };
}

const PATHS = {
  description: '/description',
  cacheClusterEnabled: '/cacheClusterEnabled',
  cacheClusterSize: '/cacheClusterSize',
  rateLimit: '/*/*/throttling/rateLimit',
  burstLimit: '/*/*/throttling/burstLimit',
  loglevel: '/*/*/logging/loglevel',
  dataTrace: '/*/*/logging/dataTrace',
  metrics: '/*/*/metrics/enabled',
  clientCertificateId: '/clientCertificateId',
  tracingEnabled: '/tracingEnabled',
};

// Patch operations turning `before` into `after` (both from formValues' shape).
export function diffOps(before, after) {
  const ops = [];
  for (const [k, p] of Object.entries(PATHS)) {
    if (before[k] === after[k]) continue;
    if (k === 'cacheClusterSize' && after.cacheClusterEnabled !== 'true') continue;
    ops.push({ op: 'replace', path: p, value: after[k] });
  }
  const logChanged = before.logDestination !== after.logDestination || before.logFormat !== after.logFormat;
  if (logChanged && !after.logDestination && !after.logFormat) {
    ops.push({ op: 'remove', path: '/accessLogSettings' });
  } else if (logChanged) {
    if (before.logDestination !== after.logDestination) ops.push({ op: 'replace', path: '/accessLogSettings/destinationArn', value: after.logDestination });
    if (before.logFormat !== after.logFormat) ops.push({ op: 'replace', path: '/accessLogSettings/format', value: after.logFormat });
  }
  return ops;
}

export function settingsTab(panel, { api, stage, reload }) {
  const v = formValues(stage);
  const inputs = {
    description: h('input', { value: v.description }),
    cacheClusterEnabled: h('input', { type: 'checkbox', checked: v.cacheClusterEnabled === 'true' }),
    cacheClusterSize: h('select', { value: v.cacheClusterSize }, SIZES.map((s) => h('option', { value: s }, `${s} GB`))),
    rateLimit: h('input', { type: 'number', min: '0', step: 'any', value: v.rateLimit }),
    burstLimit: h('input', { type: 'number', min: '0', step: '1', value: v.burstLimit }),
    loglevel: h('select', { value: v.loglevel }, ['OFF', 'ERROR', 'INFO'].map((l) => h('option', l))),
    dataTrace: h('input', { type: 'checkbox', checked: v.dataTrace === 'true' }),
    metrics: h('input', { type: 'checkbox', checked: v.metrics === 'true' }),
    logDestination: h('input', { value: v.logDestination, spellcheck: 'false', placeholder: 'arn:aws:logs:us-east-1:000000000000:log-group:access' }),
    logFormat: h('textarea', { rows: 3, spellcheck: 'false', value: v.logFormat, placeholder: '$context.requestId $context.status' }),
    clientCertificateId: h('input', { value: v.clientCertificateId, list: 'client-certs', spellcheck: 'false' }),
    tracingEnabled: h('input', { type: 'checkbox', checked: v.tracingEnabled === 'true' }),
  };
  for (const [k, el] of Object.entries(inputs)) el.name = k;
  const certs = h('datalist#client-certs');
  get('/clientcertificates').then((r) => {
    for (const c of (r && r.item) || []) certs.append(h('option', { value: c.clientCertificateId }, c.description || ''));
  }).catch(() => {});
  const read = () => Object.fromEntries(Object.entries(inputs).map(([k, el]) =>
    [k, el.type === 'checkbox' ? String(el.checked) : el.value.trim()]));
  const sizeField = field('Cache capacity', inputs.cacheClusterSize);
  const syncCache = () => (inputs.cacheClusterSize.disabled = !inputs.cacheClusterEnabled.checked);
  inputs.cacheClusterEnabled.addEventListener('change', syncCache);
  syncCache();
  const slot = errorSlot();
  const status = h('p.saved', { role: 'status' });
  const save = h('button.primary', { type: 'submit' }, 'Save changes');
  const check = (label, el) => h('div.field.check', el, h('label', { for: el.id || (el.id = `s-${el.name}`) }, label));
  const form = h('form.card.settings',
    h('fieldset', h('legend', 'General'), field('Stage description', inputs.description)),
    h('fieldset', h('legend', 'Cache'), check('Provision API cache', inputs.cacheClusterEnabled), sizeField),
    h('fieldset', h('legend', 'Default method throttling'),
      field('Rate (requests per second)', inputs.rateLimit), field('Burst (requests)', inputs.burstLimit)),
    h('fieldset', h('legend', 'Logs and tracing'),
      field('Execution logging level', inputs.loglevel), check('Log full requests and responses (data trace)', inputs.dataTrace),
      check('Detailed metrics', inputs.metrics), check('X-Ray tracing', inputs.tracingEnabled)),
    h('fieldset', h('legend', 'Access logging'),
      field('Destination ARN', inputs.logDestination), field('Log format', inputs.logFormat, 'Clear both to turn access logging off.')),
    h('fieldset', h('legend', 'Client certificate'), field('Client certificate ID', inputs.clientCertificateId), certs),
    slot, h('div.actions', status, save));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ops = diffOps(v, read());
    if (!ops.length) { status.textContent = 'Nothing changed.'; return; }
    status.textContent = '';
    const ok = await busy(save, slot, () => patchStage(api.id, stage.stageName, ops), 'Saving…');
    if (ok) { flash('Stage settings saved.'); reload('settings'); }
  });
  panel.append(form);
}
