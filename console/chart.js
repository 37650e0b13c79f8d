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
