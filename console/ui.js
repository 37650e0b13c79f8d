// Small DOM helpers: element builder, dialogs, inline errors, progress, copy buttons.

// h('button.primary', {onclick}, 'Text', child...) — "tag.class1.class2#id".
export function h(spec, attrs, ...children) {
  if (attrs == null || typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs)) {
    children.unshift(attrs);
    attrs = {};
  }
  const [tagAndClasses, id] = spec.split('#');
  const [tag, ...classes] = tagAndClasses.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (id) el.id = id;
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false || k === 'value') continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  if (attrs.value != null) el.value = attrs.value;
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let uid = 0;
export const nextId = (p = 'f') => `${p}${++uid}`;

// A labelled form field; `input` is an element. Returns the wrapper.
export function field(label, input, hint) {
  if (!input.id) input.id = nextId();
  return h('div.field', h('label', { for: input.id }, label), input, hint ? h('small.hint', hint) : null);
}

export function fmtDate(v) {
  if (v == null || v === '') return '—';
  const d = new Date(typeof v === 'number' ? v * 1000 : v);
  return isNaN(d) ? String(v) : d.toLocaleString();
}

// An inline error box placed next to what caused it; empty when `err` is null.
export function showError(slot, err) {
  clear(slot);
  slot.hidden = !err;
  if (!err) return;
  const text = err.plain || err.message || String(err);
  slot.append(h('div.error', { role: 'alert' }, h('strong', 'Could not do that. '), text));
}
export const errorSlot = () => h('div.error-slot', { hidden: true, 'aria-live': 'polite' });

// Runs `fn` while `button` shows progress; errors go to `slot`. Returns fn's result or undefined.
export async function busy(button, slot, fn, label = 'Working…') {
  const old = button ? button.textContent : '';
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    button.replaceChildren(h('span.spinner', { 'aria-hidden': 'true' }), label);
  }
  if (slot) showError(slot, null);
  try {
    return await fn();
  } catch (e) {
    if (slot) showError(slot, e); else throw e;
    return undefined;
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
      button.textContent = old;
    }
  }
}

export function copyButton(text, label = 'Copy') {
  const b = h('button.small', { type: 'button', 'aria-label': `${label}: ${text}` }, label);
  b.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const t = h('textarea', text);
      document.body.append(t);
      t.select();
      document.execCommand('copy');
      t.remove();
    }
    b.textContent = 'Copied';
    setTimeout(() => (b.textContent = label), 1500);
  });
  return b;
}

// A modal dialog (<dialog>): Escape closes it, focus goes in and comes back.
// `build(close)` returns the body; resolves with what close() was given.
export function dialog(title, build, { wide = false } = {}) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const titleId = nextId('dlg');
    const d = h('dialog.modal' + (wide ? '.wide' : ''), { 'aria-labelledby': titleId });
    const close = (value) => {
      d.close();
      d.remove();
      if (opener && opener.focus) opener.focus();
      resolve(value);
    };
    d.addEventListener('cancel', (e) => { e.preventDefault(); close(undefined); });
    d.append(h('h2', { id: titleId }, title), build(close));
    document.body.append(d);
    d.showModal();
    const first = d.querySelector('[autofocus], input, select, textarea, button.primary, button');
    if (first) first.focus();
  });
}

// Confirmation dialog: resolves true when confirmed. `body` may be nodes.
export function confirmDialog(title, body, confirmLabel, { danger = false, action } = {}) {
  return dialog(title, (close) => {
    const slot = errorSlot();
    const ok = h('button.primary' + (danger ? '.danger' : ''), { type: 'button' }, confirmLabel);
    ok.addEventListener('click', async () => {
      if (!action) return close(true);
      const done = await busy(ok, slot, async () => { await action(); return true; });
      if (done) close(true);
    });
    return h('div', h('div.dialog-body', body), slot,
      h('div.actions', h('button', { type: 'button', onclick: () => close(false) }, 'Cancel'), ok));
  });
}

// Tabs with roving focus; `tabs` = [{id, label, render(panel)}].
export function tabs(tabsDef, activeId, onSelect) {
  const list = h('div.tablist', { role: 'tablist' });
  const panel = h('div.tabpanel#tabpanel', { role: 'tabpanel', tabindex: '-1' });
  const buttons = tabsDef.map((t) => {
    const b = h('button.tab', {
      type: 'button', role: 'tab', id: `tab-${t.id}`, 'aria-selected': String(t.id === activeId), 'aria-controls': 'tabpanel',
      tabindex: t.id === activeId ? '0' : '-1', dataset: { tab: t.id },
    }, t.label);
    b.addEventListener('click', () => onSelect(t.id));
    b.addEventListener('keydown', (e) => {
      const i = tabsDef.indexOf(t);
      const n = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (!n) return;
      e.preventDefault();
      const next = tabsDef[(i + n + tabsDef.length) % tabsDef.length];
      onSelect(next.id, true);
    });
    return b;
  });
  list.append(...buttons);
  const active = tabsDef.find((t) => t.id === activeId) || tabsDef[0];
  panel.setAttribute('aria-labelledby', `tab-${active.id}`);
  active.render(panel);
  return h('div.tabs', list, panel);
}

export const loading = (what = 'Loading…') => h('p.loading', h('span.spinner', { 'aria-hidden': 'true' }), what);

// A short success notice (bottom right, announced politely); replaces the previous one.
export function flash(text) {
  let el = document.getElementById('flash');
  if (!el) {
    el = h('div.flash#flash', { role: 'status', 'aria-live': 'polite' });
    document.body.append(el);
  }
  clear(el, h('span.ok', '✓ '), text);
  el.hidden = false;
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => { el.hidden = true; }, 6000);
}
