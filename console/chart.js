// Tiny inline SVG charts.
const NS = 'http://www.w3.org/2000/svg';

const el = (name, attrs) => {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
};

// A sparkline of `values` (numbers); `label` is the accessible name.
export function sparkline(values, { label, width = 180, height = 48, cls = '' } = {}) {
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': label, class: `spark ${cls}` });
  const title = el('title', {});
  title.textContent = label;
  svg.append(title);
  svg.append(el('line', { x1: 0, y1: height - 1, x2: width, y2: height - 1, class: 'axis' }));
  if (values.length < 2) {
    const t = el('text', { x: 4, y: height / 2, class: 'wait' });
    t.textContent = 'collecting…';
    svg.append(t);
    return svg;
  }
  const max = Math.max(...values, 1e-9);
  const step = width / (values.length - 1);
  const pts = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 6)).toFixed(1)}`);
  svg.append(el('polygon', { points: `0,${height - 1} ${pts.join(' ')} ${width},${height - 1}`, class: 'area' }));
  svg.append(el('polyline', { points: pts.join(' '), class: 'line' }));
  return svg;
}

// A bar chart with axes: `points` = [{label, value}] (one bar each, e.g. one per day). The y
// axis shows 0, the middle and the maximum; the x axis names the last bar and others evenly
// spaced before it; each bar with a value above 0 has its number on top. `label` is the
// accessible name; the caller should also give the numbers in text (a table). `line`
// ({values, max, name}) adds a second series drawn as a line on its own scale (0..max, right
// axis), e.g. what remains of a quota; null values leave gaps.
export function barChart(points, { label, width = 720, height = 180, cls = '', line = null } = {}) {
  const left = 36; const right = line ? 44 : 8; const top = 16; const bottom = 26;
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': label, class: `bars ${cls}` });
  const title = el('title', {});
  title.textContent = label;
  svg.append(title);
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...points.map((p) => p.value || 0));
  const y = (v) => top + plotH - (v / max) * plotH;
  for (const t of [...new Set([0, Math.round(max / 2), max])]) {
    svg.append(el('line', { x1: left, y1: y(t), x2: width - right, y2: y(t), class: t ? 'grid' : 'axis' }));
    const tx = el('text', { x: left - 5, y: y(t) + 4, 'text-anchor': 'end', class: 'tick y-tick' });
    tx.textContent = String(t);
    svg.append(tx);
  }
  svg.append(el('line', { x1: left, y1: top, x2: left, y2: top + plotH, class: 'axis' }));
  const n = Math.max(points.length, 1);
  const slot = plotW / n;
  const barW = Math.max(2, Math.min(28, slot * 0.7));
  const every = Math.max(1, Math.ceil(n / 8));
  points.forEach((p, i) => {
    const v = p.value || 0;
    const cx = left + slot * i + slot / 2;
    const r = el('rect', { x: (cx - barW / 2).toFixed(1), y: y(v).toFixed(1), width: barW.toFixed(1), height: Math.max(0, top + plotH - y(v)).toFixed(1), class: 'bar' });
    const tip = el('title', {});
    tip.textContent = `${p.label}: ${v}`;
    r.append(tip);
    svg.append(r);
    if (v > 0) {
      const t = el('text', { x: cx.toFixed(1), y: (y(v) - 3).toFixed(1), 'text-anchor': 'middle', class: 'value' });
      t.textContent = String(v);
      svg.append(t);
    }
    if ((n - 1 - i) % every === 0) { // counted from the last bar, so the latest is always named
      const t = el('text', { x: cx.toFixed(1), y: height - 8, 'text-anchor': 'middle', class: 'tick x-tick' });
      t.textContent = p.label;
      svg.append(t);
    }
  });
  if (line) {
    const lmax = Math.max(1, line.max || 0, ...line.values.filter((v) => v != null));
    const ly = (v) => top + plotH - (v / lmax) * plotH;
    svg.append(el('line', { x1: width - right, y1: top, x2: width - right, y2: top + plotH, class: 'axis' }));
    for (const t of [0, lmax]) {
      const tx = el('text', { x: width - right + 5, y: ly(t) + 4, class: 'tick r-tick' });
      tx.textContent = String(t);
      svg.append(tx);
    }
    let run = [];
    const flush = () => {
      if (run.length > 1) svg.append(el('polyline', { points: run.join(' '), class: 'remaining' }));
      run = [];
    };
    line.values.forEach((v, i) => {
      if (v == null) { flush(); return; }
      const cx = (left + slot * i + slot / 2).toFixed(1);
      run.push(`${cx},${ly(v).toFixed(1)}`);
      const dot = el('circle', { cx, cy: ly(v).toFixed(1), r: 2.5, class: 'remaining-dot' });
      const tip = el('title', {});
      tip.textContent = `${points[i]?.label}: ${v} ${line.name || ''}`.trim();
      dot.append(tip);
      svg.append(dot);
    });
    flush();
  }
  return svg;
}

// "Nice" y-axis ticks from 0 to at least `max`: steps of 1, 2 or 5 × 10^k, at most ~5 ticks;
// with `integer` (counts) no step is below 1.
export function niceTicks(max, { integer = false } = {}) {
  const top = max > 0 ? max : 1;
  const raw = integer ? Math.max(1, top / 4) : top / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const ticks = [];
  for (let t = 0; t < top + step / 2 && ticks.length < 12; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1] < top) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

// A number as a chart writes it: whole numbers as they are, others with one decimal (two below 1).
export const fmtNum = (v) => (v == null ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 1 ? 2 : 1));

// A time-series chart with axes: `labels` (one x label per point, e.g. HH:MM) and `series`
// ([{name, values, cls}], null values leave gaps) drawn as lines on one scale. The y axis has
// nice ticks, the x axis names up to 6 points (the last one always); values are written next
// to the points when there are at most 15, else at each series' highest point. A legend names
// the series. `label` is the accessible name; the caller also gives the numbers in text.
// `integer`: the values are counts (whole-number ticks).
export function timeChart(labels, series, { label, width = 360, height = 180, cls = '', integer = false } = {}) {
  const left = 40; const right = 12; const top = 26; const bottom = 24;
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': label, class: `bars timechart ${cls}` });
  const title = el('title', {});
  title.textContent = label;
  svg.append(title);
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const all = series.flatMap((s) => s.values.filter((v) => v != null));
  const ticks = niceTicks(Math.max(0, ...all), { integer });
  const max = ticks[ticks.length - 1];
  const n = labels.length;
  const x = (i) => left + (n > 1 ? (i * plotW) / (n - 1) : plotW / 2);
  const y = (v) => top + plotH - (v / max) * plotH;
  for (const t of ticks) {
    svg.append(el('line', { x1: left, y1: y(t), x2: width - right, y2: y(t), class: t ? 'grid' : 'axis' }));
    const tx = el('text', { x: left - 5, y: y(t) + 4, 'text-anchor': 'end', class: 'tick y-tick' });
    tx.textContent = fmtNum(t);
    svg.append(tx);
  }
  svg.append(el('line', { x1: left, y1: top, x2: left, y2: top + plotH, class: 'axis' }));
  const every = Math.max(1, Math.ceil(n / 6));
  labels.forEach((l, i) => {
    if ((n - 1 - i) % every !== 0) return;
    const t = el('text', { x: x(i).toFixed(1), y: height - 8, 'text-anchor': i === n - 1 && n > 1 ? 'end' : 'middle', class: 'tick x-tick' });
    t.textContent = l;
    svg.append(t);
  });
  let lx = left;
  series.forEach((s, k) => {
    const key = el('rect', { x: lx, y: 6, width: 10, height: 10, class: `key s${k} ${s.cls || ''}` });
    const name = el('text', { x: lx + 14, y: 15, class: 'legend-name' });
    name.textContent = s.name;
    svg.append(key, name);
    lx += 24 + 7 * s.name.length;
    let run = [];
    const flush = () => {
      if (run.length > 1) svg.append(el('polyline', { points: run.join(' '), class: `series s${k} ${s.cls || ''}` }));
      run = [];
    };
    const peak = s.values.reduce((best, v, i) => (v != null && v > 0 && (best < 0 || v > s.values[best]) ? i : best), -1);
    s.values.forEach((v, i) => {
      if (v == null) { flush(); return; }
      const px = x(i).toFixed(1);
      const py = y(v).toFixed(1);
      run.push(`${px},${py}`);
      const dot = el('circle', { cx: px, cy: py, r: n > 30 ? 1.6 : 2.4, class: `dot s${k} ${s.cls || ''}` });
      const tip = el('title', {});
      tip.textContent = `${labels[i]} ${s.name}: ${fmtNum(v)}`;
      dot.append(tip);
      svg.append(dot);
      if (v > 0 && (n <= 15 || i === peak)) {
        const t = el('text', { x: px, y: (y(v) - 5).toFixed(1), 'text-anchor': 'middle', class: `value s${k}` });
        t.textContent = fmtNum(v);
        svg.append(t);
      }
    });
    flush();
  });
  return svg;
}
