// Live traffic of a stage from /_proscenium/metrics: base and canary side by side.
import { h, clear, errorSlot, showError } from './ui.js';
import { parsePrometheus, stageTotals, invokeTotals } from './metrics.js';
import { sparkline } from './chart.js';
import { onLeave } from './nav.js';
import { getCreds } from './api.js';
import { sign } from './sigv4.js';

const POLL_MS = 2000;
const KEEP = 60;
// Samples survive tab switches: key `${apiId}/${stage}` → [{t, base, canary}].
const history = new Map();

// With credentials the gateway wants the metrics signed like a management call.
export async function fetchMetrics() {
  const url = new URL('/_proscenium/metrics', location.origin);
  const headers = {};
  const creds = getCreds();
  if (creds) {
    Object.assign(headers, await sign({
      method: 'GET', url, rawPath: url.pathname, body: '', creds, region: creds.region || 'us-east-1',
    }));
  }
  const r = await fetch(url, { cache: 'no-store', headers });
  if (!r.ok) throw new Error(`the metrics endpoint answered HTTP ${r.status}`);
  return parsePrometheus(await r.text());
}

const rate = (a, b, k, dt) => (a && b && dt > 0 ? Math.max(0, ((b[k] || 0) - (a[k] || 0)) / dt) : 0);
const avgMs = (s, sum, count) => (s[count] ? (1000 * (s[sum] || 0)) / s[count] : null);

function side(title, sub, samples, key) {
  const last = samples.length ? samples[samples.length - 1][key] : {};
  const rates = [];
  const lat = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1];
    const b = samples[i];
    const dt = (b.t - a.t) / 1000;
    rates.push(rate(a[key], b[key], 'requests', dt));
    const dc = (b[key].latencyCount || 0) - (a[key].latencyCount || 0);
    lat.push(dc > 0 ? (1000 * ((b[key].latencySum || 0) - (a[key].latencySum || 0))) / dc : 0);
  }
  const n = (v, fixed) => (v == null ? '—' : (fixed || !Number.isInteger(v)) ? v.toFixed(v > 0 && v < 1 ? 2 : 1) : String(v));
  const stat = (label, v, cls = '', fixed = false) => h('div.stat' + cls, h('span.v', n(v, fixed)), h('span.l', label));
  return h('section.card.side.' + key, { 'aria-label': `${title} traffic` },
    h('h3', title, sub ? h('small', ' ', sub) : null),
    h('div.stats',
      stat('requests', last.requests ?? 0),
      stat('req/s now', rates.length ? rates[rates.length - 1] : 0, '', true),
      stat('4XX', last.errors4xx ?? 0, last.errors4xx ? '.warn' : ''),
      stat('5XX', last.errors5xx ?? 0, last.errors5xx ? '.bad' : ''),
      stat('avg latency ms', avgMs(last, 'latencySum', 'latencyCount'), '', true),
      stat('avg integration ms', avgMs(last, 'integrationSum', 'integrationCount'), '', true),
      last.cacheHits != null || last.cacheMisses != null
        ? stat('cache hits', last.cacheHits ?? 0) : null,
      last.cacheHits != null || last.cacheMisses != null
        ? stat('cache misses', last.cacheMisses ?? 0) : null),
    h('div.charts',
      h('figure', sparkline(rates, { label: `${title} requests per second` }), h('figcaption', 'requests / s')),
      h('figure', sparkline(lat, { label: `${title} latency in milliseconds`, cls: 'lat' }), h('figcaption', 'latency ms'))));
}

export function trafficTab(panel, { api, stage }) {
  const key = `${api.id}/${stage.stageName}`;
  if (!history.has(key)) history.set(key, []);
  const samples = history.get(key);
  const slot = errorSlot();
  const body = h('div.traffic-body', h('p.loading', 'Reading metrics…'));
  const status = h('p.hint', { 'aria-live': 'off' });
  panel.append(h('div.card', h('h2', 'Live traffic'),
    h('p.hint', 'From ', h('a', { href: '/_proscenium/metrics' }, '/_proscenium/metrics'), `, refreshed every ${POLL_MS / 1000} s while this tab is open.`),
    slot, status), body);
  let timer = null;
  let stopped = false;
  const tick = async () => {
    try {
      const parsed = await fetchMetrics();
      const t = stageTotals(parsed, api.id, stage.stageName);
      showError(slot, null);
      if (!t.found) {
        const inv = invokeTotals(parsed);
        clear(body, h('div.card.note',
          h('p', 'This gateway does not publish per-stage metrics for this stage yet (no ', h('code', 'proscenium_requests_total'), ' series with ',
            h('code', `api_id="${api.id}", stage="${stage.stageName}"`), '). They appear after the stage has served requests, on gateways that publish them.'),
          Object.keys(inv).length ? h('p', 'All invocations on this gateway so far: ',
            Object.entries(inv).map(([c, v]) => `${c} ${v}`).join(' · ')) : null));
      } else {
        samples.push({ t: Date.now(), base: t.base, canary: t.canary });
        if (samples.length > KEEP) samples.shift();
        const c = stage.canarySettings;
        clear(body, h('div.sides',
          side('Base', `deployment ${stage.deploymentId}`, samples, 'base'),
          c ? side('Canary', `deployment ${c.deploymentId}, ${c.percentTraffic ?? 0}%`, samples, 'canary')
            : h('section.card.side.none', h('h3', 'Canary'), h('p.muted', 'No canary on this stage.'))));
      }
      status.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (e) {
      showError(slot, e);
    }
    if (!stopped) timer = setTimeout(tick, POLL_MS);
  };
  onLeave(() => { stopped = true; clearTimeout(timer); });
  tick();
}
