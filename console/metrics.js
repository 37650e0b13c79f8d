// Prometheus text exposition parser and per-stage aggregation of the gateway's metrics.

// → [{ name, labels: {..}, value }]
export function parsePrometheus(text) {
  const out = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    let l;
    while ((l = re.exec(m[3] || ''))) labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
    const value = Number(m[4] === '+Inf' ? Infinity : m[4]);
    if (!Number.isNaN(value)) out.push({ name: m[1], labels, value });
  }
  return out;
}

const SERIES = {
  requests: 'proscenium_requests_total',
  errors4xx: 'proscenium_4xx_errors_total',
  errors5xx: 'proscenium_5xx_errors_total',
  latencySum: 'proscenium_latency_seconds_sum',
  latencyCount: 'proscenium_latency_seconds_count',
  integrationSum: 'proscenium_integration_latency_seconds_sum',
  integrationCount: 'proscenium_integration_latency_seconds_count',
  cacheHits: 'proscenium_cache_hits_total',
  cacheMisses: 'proscenium_cache_misses_total',
};

// Totals for one stage, split base / canary: { base: {requests,...}, canary: {...}, found }.
export function stageTotals(samples, apiId, stage) {
  const sides = { base: {}, canary: {} };
  let found = false;
  for (const s of samples) {
    const key = Object.keys(SERIES).find((k) => SERIES[k] === s.name);
    if (!key || s.labels.api_id !== apiId || s.labels.stage !== stage) continue;
    found = true;
    const side = s.labels.canary === 'true' ? sides.canary : sides.base;
    side[key] = (side[key] || 0) + s.value;
  }
  return { ...sides, found };
}

// What the process-level counters say about invocations (for gateways without per-stage metrics).
export function invokeTotals(samples) {
  const t = {};
  for (const s of samples) {
    if (s.name === 'proscenium_http_requests_total' && s.labels.plane === 'invoke') {
      t[s.labels.code] = (t[s.labels.code] || 0) + s.value;
    }
  }
  return t;
}

// ---- /_proscenium/traffic: a stage's last minutes (per minute, side, deployment, method) ----

export const WINDOWS = [5, 15, 60];

const pad2 = (n) => String(n).padStart(2, '0');
// "HH:MM" of an epoch-ms time, in the browser's time zone.
export const hhmm = (ms) => { const d = new Date(ms); return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`; };

// Average latency in ms of `counts` ({requests, latencyMicros}); null without requests.
export const avgLatencyMs = (c) => (c && c.requests ? c.latencyMicros / 1000 / c.requests : null);

// One side (or deployment, or method) of a report as chartable series, one value per minute.
export function partSeries(part) {
  const per = part?.perMinute || [];
  return {
    requests: per.map((c) => c.requests),
    errors4xx: per.map((c) => c.errors4xx),
    errors5xx: per.map((c) => c.errors5xx),
    latencyMs: per.map(avgLatencyMs),
    total: { ...(part?.total || {}), latencyMs: avgLatencyMs(part?.total) },
  };
}

const totalsRow = (t) => ({
  requests: t.requests, errors4xx: t.errors4xx, errors5xx: t.errors5xx, latencyMs: avgLatencyMs(t),
});

// Which deployment served how much of the window: rows sorted by requests (then id), each
// with its share of all the window's requests and whether the stage serves it now.
export function deploymentRows(report) {
  const all = (report.base?.total?.requests || 0) + (report.canary?.total?.requests || 0);
  return (report.deployments || []).map((d) => ({
    deploymentId: d.deploymentId,
    side: d.canary ? 'canary' : 'base',
    current: Boolean(d.serving),
    share: all ? d.total.requests / all : 0,
    ...totalsRow(d.total),
  })).sort((a, b) => b.requests - a.requests || a.deploymentId.localeCompare(b.deploymentId));
}

// The deployment a side serves now, by the report (null when it names none).
export const servingDeployment = (report, canary) =>
  (report.deployments || []).find((d) => d.serving && d.canary === canary)?.deploymentId ?? null;

// Per-method rows (methods with detailed metrics), "GET /pets".
export function methodRows(report) {
  return (report.methods || []).map((m) => ({ name: `${m.method} ${m.resource}`, resource: m.resource, method: m.method, ...totalsRow(m.total) }));
}

// Whether the stage has detailed metrics for some method (stage-wide or an override).
export const detailedMetricsOn = (stage) => Object.values(stage?.methodSettings || {}).some((s) => s && s.metricsEnabled);
