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
