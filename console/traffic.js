// Traffic of a stage: live counters from /_proscenium/metrics (base and canary side by side)
// and the last 5, 15 or 60 minutes from /_proscenium/traffic: charts with axes and values per
// side, which deployment served what, and per method when detailed metrics are on.
import { h, clear, errorSlot, showError } from './ui.js';
import {
  parsePrometheus, stageTotals, invokeTotals, WINDOWS, hhmm, partSeries, deploymentRows, methodRows, detailedMetricsOn, servingDeployment,
} from './metrics.js';
import { sparkline, timeChart, barChart, fmtNum } from './chart.js';
import { onLeave } from './nav.js';
import { getCreds } from './api.js';
import { sign } from './sigv4.js';

const POLL_MS = 2000;
const KEEP = 60;
// Samples survive tab switches: key `${apiId}/${stage}` → [{t, base, canary}].
const history = new Map();
// The chosen window per stage, and which "numbers" tables are open (both survive re-renders).
const windows = new Map();
const openTables = new Set();

// With credentials the gateway wants its own endpoints signed like a management call.
async function signedGet(url) {
  const headers = {};
  const creds = getCreds();
  if (creds) {
    Object.assign(headers, await sign({
      method: 'GET', url, rawPath: url.pathname, body: '', creds, region: creds.region || 'us-east-1',
    }));
  }
  return fetch(url, { cache: 'no-store', headers });
}

export async function fetchMetrics() {
  const r = await signedGet(new URL('/_proscenium/metrics', location.origin));
  if (!r.ok) throw new Error(`the metrics endpoint answered HTTP ${r.status}`);
  return parsePrometheus(await r.text());
}

// The stage's last `minutes` minutes (see docs: GET /_proscenium/traffic).
export async function fetchTraffic(apiId, stage, minutes) {
  const url = new URL('/_proscenium/traffic', location.origin);
  url.searchParams.set('apiId', apiId);
  url.searchParams.set('stage', stage);
  url.searchParams.set('minutes', String(minutes));
  const r = await signedGet(url);
  if (!r.ok) {
    const message = await r.json().then((b) => b.message, () => '');
    throw new Error(`the traffic endpoint answered HTTP ${r.status}${message ? `: ${message}` : ''}`);
  }
  return r.json();
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

// A collapsible table of a chart's numbers, one row per minute (its open state is kept).
function numbersTable(key, caption, labels, cols) {
  const d = h('details.numbers', { open: openTables.has(key) },
    h('summary', `${caption}: the numbers`),
    h('table.list.numbers', h('caption.sr-only', caption),
      h('thead', h('tr', h('th', { scope: 'col' }, 'Minute'), cols.map((c) => h('th.num', { scope: 'col' }, c.name)))),
      h('tbody', labels.map((l, i) => h('tr', h('th', { scope: 'row' }, l), cols.map((c) => h('td.num', fmtNum(c.values[i]))))))));
  d.addEventListener('toggle', () => (d.open ? openTables.add(key) : openTables.delete(key)));
  return d;
}

const wstat = (label, v, cls = '') => h('div.stat' + cls, h('span.v', fmtNum(v)), h('span.l', label));

// One side of the stage over the window: totals, three charts and their numbers.
function windowSide(title, sub, part, labels, key, minutes) {
  const s = partSeries(part);
  const t = s.total;
  const named = `${title}, last ${minutes} minutes`;
  return h(`section.card.win.win-${key}`, { 'aria-label': named },
    h('h3', title, sub ? h('small', ' ', sub) : null),
    h('div.stats.wstats',
      wstat('requests', t.requests ?? 0),
      wstat('4XX', t.errors4xx ?? 0, t.errors4xx ? '.warn' : ''),
      wstat('5XX', t.errors5xx ?? 0, t.errors5xx ? '.bad' : ''),
      wstat('avg latency ms', t.latencyMs)),
    h('figure.chart', timeChart(labels, [{ name: 'requests', values: s.requests }], { label: `${named}: requests per minute`, integer: true }),
      h('figcaption', 'Requests per minute')),
    h('figure.chart', timeChart(labels, [{ name: '4XX', values: s.errors4xx, cls: 'warn' }, { name: '5XX', values: s.errors5xx, cls: 'bad' }],
      { label: `${named}: 4XX and 5XX errors per minute`, integer: true }), h('figcaption', 'Errors per minute')),
    h('figure.chart', timeChart(labels, [{ name: 'avg latency ms', values: s.latencyMs, cls: 'lat' }], { label: `${named}: average latency in milliseconds` }),
      h('figcaption', 'Average latency (ms) per minute')),
    numbersTable(`${key}`, `${title} per minute`, labels, [
      { name: 'Requests', values: s.requests }, { name: '4XX', values: s.errors4xx },
      { name: '5XX', values: s.errors5xx }, { name: 'Avg ms', values: s.latencyMs }]));
}

const totalsCells = (r) => [h('td.num', fmtNum(r.requests)), h('td.num', fmtNum(r.errors4xx)), h('td.num', fmtNum(r.errors5xx)), h('td.num', fmtNum(r.latencyMs))];

function deploymentsCard(report, minutes) {
  const rows = deploymentRows(report);
  return h('section.card.per-deployment', { 'aria-label': 'Requests per deployment' },
    h('h3', `Per deployment, last ${minutes} minutes`),
    h('p.hint', 'Requests are counted for the deployment that served them, so a redeploy or a canary shows here as its own row.'),
    rows.length ? h('div.table-wrap', h('table.list.deployments',
      h('thead', h('tr', ['Deployment', 'Side', 'Share', 'Requests', '4XX', '5XX', 'Avg ms'].map((c, i) => h(i > 1 ? 'th.num' : 'th', { scope: 'col' }, c)))),
      h('tbody', rows.map((r) => h('tr', { dataset: { deploymentId: r.deploymentId } },
        h('th', { scope: 'row' }, h('code', r.deploymentId), r.current ? h('span.badge.active', 'serving') : null),
        h('td', r.side),
        h('td.num', h('meter', { min: 0, max: 100, value: Math.round(r.share * 100), 'aria-hidden': 'true' }), ` ${Math.round(r.share * 100)}%`),
        totalsCells(r))))))
      : h('p.empty', 'No deployment served requests in this window.'));
}

function methodsCard(report, stage, minutes, api) {
  const rows = methodRows(report);
  const base = `#/apis/${encodeURIComponent(api.id)}/stages/${encodeURIComponent(stage.stageName)}`;
  const how = h('p.hint.metrics-hint', 'Per-method numbers need detailed metrics (CloudWatch\'s detailed metrics, ',
    h('code', 'metricsEnabled'), '): turn on ', h('strong', 'Detailed metrics'), ' in ', h('a', { href: `${base}/settings` }, 'Stage settings'),
    ' for every method, or for one method in ', h('a', { href: `${base}/overrides` }, 'Method overrides'), '.');
  if (!rows.length) {
    return h('section.card.per-method', { 'aria-label': 'Requests per method' }, h('h3', 'Per method'),
      detailedMetricsOn(stage) ? h('p.empty', 'Detailed metrics are on; no method served requests in this window yet.') : how);
  }
  return h('section.card.per-method', { 'aria-label': 'Requests per method' },
    h('h3', `Per method, last ${minutes} minutes`),
    h('div.table-wrap', h('table.list.methods',
      h('thead', h('tr', ['Method', 'Requests', '4XX', '5XX', 'Avg ms'].map((c, i) => h(i ? 'th.num' : 'th', { scope: 'col' }, c)))),
      h('tbody', rows.map((r) => h('tr', h('th', { scope: 'row' }, h('code', r.name)), totalsCells(r)))))),
    h('figure.chart', barChart(rows.map((r) => ({ label: r.name, value: r.requests })), { label: `Requests per method, last ${minutes} minutes`, width: 480, height: 170 }),
      h('figcaption', 'Requests per method')),
    detailedMetricsOn(stage) ? null : how);
}

function windowPicker(current, onPick) {
  return h('fieldset.window-picker', h('legend', 'Time window'),
    WINDOWS.map((m) => h('label.radio', h('input', {
      type: 'radio', name: 'traffic-window', value: String(m), checked: m === current,
      onchange: () => onPick(m),
    }), ` ${m} minutes`)));
}

export function trafficTab(panel, { api, stage }) {
  const key = `${api.id}/${stage.stageName}`;
  if (!history.has(key)) history.set(key, []);
  const samples = history.get(key);
  let minutes = windows.get(key) || 15;
  const slot = errorSlot();
  const body = h('div.traffic-body', h('p.loading', 'Reading metrics…'));
  const status = h('p.hint', { 'aria-live': 'off' });
  let timer = null;
  let stopped = false;
  let running = false;
  let again = false;
  const picker = windowPicker(minutes, (m) => {
    minutes = m;
    windows.set(key, m);
    refresh();
  });
  panel.append(h('div.card', h('h2', 'Traffic'),
    h('p.hint', 'Live counters from ', h('a', { href: '/_proscenium/metrics' }, '/_proscenium/metrics'),
      ' and the last minutes from ', h('code', '/_proscenium/traffic'), `, refreshed every ${POLL_MS / 1000} s while this tab is open.`),
    picker, slot, status), body);
  const c = stage.canarySettings;
  const tick = async () => {
    running = true;
    try {
      const [parsed, report] = await Promise.all([fetchMetrics(), fetchTraffic(api.id, stage.stageName, minutes)]);
      const t = stageTotals(parsed, api.id, stage.stageName);
      // The report knows what the stage serves now, even after a redeploy made elsewhere.
      const baseDep = servingDeployment(report, false) ?? stage.deploymentId;
      const canDep = servingDeployment(report, true);
      showError(slot, null);
      let live;
      if (!t.found) {
        const inv = invokeTotals(parsed);
        live = h('div.card.note',
          h('p', 'This gateway does not publish per-stage metrics for this stage yet (no ', h('code', 'proscenium_requests_total'), ' series with ',
            h('code', `api_id="${api.id}", stage="${stage.stageName}"`), '). They appear after the stage has served requests, on gateways that publish them.'),
          Object.keys(inv).length ? h('p', 'All invocations on this gateway so far: ',
            Object.entries(inv).map(([k, v]) => `${k} ${v}`).join(' · ')) : null);
      } else {
        samples.push({ t: Date.now(), base: t.base, canary: t.canary });
        if (samples.length > KEEP) samples.shift();
        live = h('div.sides',
          side('Base', `deployment ${baseDep}`, samples, 'base'),
          canDep ? side('Canary', `deployment ${canDep}${c ? `, ${c.percentTraffic ?? 0}%` : ''}`, samples, 'canary')
            : h('section.card.side.none', h('h3', 'Canary'), h('p.muted', 'No canary on this stage.')));
      }
      const labels = report.minuteStarts.map(hhmm);
      const n = report.minutes;
      clear(body,
        h('h3.section-title', 'Live counters (since the gateway started)'), live,
        h('h3.section-title', `Last ${n} minutes, per minute`),
        h('div.sides.window',
          windowSide('Base', `deployment ${baseDep}`, report.base, labels, 'base', n),
          canDep || report.canary.total.requests
            ? windowSide('Canary', canDep ? `deployment ${canDep}` : 'no canary now', report.canary, labels, 'canary', n)
            : h('section.card.win.win-none', h('h3', 'Canary'), h('p.muted', 'No canary on this stage.'))),
        h('div.sides.breakdown', deploymentsCard(report, n), methodsCard(report, stage, n, api)));
      status.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (e) {
      showError(slot, e);
    }
    running = false;
    if (stopped) return;
    if (again) { again = false; tick(); return; }
    timer = setTimeout(tick, POLL_MS);
  };
  const refresh = () => {
    if (running) { again = true; return; }
    clearTimeout(timer);
    tick();
  };
  onLeave(() => { stopped = true; clearTimeout(timer); });
  tick();
}
