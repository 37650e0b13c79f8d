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
