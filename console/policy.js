// An API's resource policy: view (pretty-printed), edit with a JSON check, save, remove, and
// insert an example. Saved with UpdateRestApi `replace /policy`; applies after a redeploy.
import { h, clear, field, errorSlot, busy, confirmDialog, flash, showError } from './ui.js';
import { get, patch, path } from './api.js';
import { apiHeader } from './apihead.js';
import { go } from './nav.js';

const doc = (statements) => JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);
const invokeAll = { Action: 'execute-api:Invoke', Resource: 'execute-api:/*' };

// Example policies; `execute-api:/*` means every method of this API (AWS expands it on save).
export const POLICY_TEMPLATES = [
  {
    id: 'source-ip',
    label: 'Allow only some source IPs',
    text: doc([
      { Effect: 'Allow', Principal: '*', ...invokeAll },
      { Effect: 'Deny', Principal: '*', ...invokeAll, Condition: { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '198.51.100.7/32'] } } },
    ]),
  },
  {
    id: 'iam-account',
    label: 'Deny everyone except an IAM account',
    text: doc([
      { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, ...invokeAll },
      { Effect: 'Deny', NotPrincipal: { AWS: 'arn:aws:iam::123456789012:root' }, ...invokeAll },
    ]),
  },
];

// Where JSON text first goes wrong: {at (offset), message} or null when it is valid JSON.
// (Engines word and place their own errors differently; this gives the same answer everywhere.)
export function jsonError(text) {
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++; };
  const fail = (message) => { throw { at: i, message }; };
  const shown = () => (i < text.length ? `'${text[i]}'` : 'the end of the text');
  const lit = (word) => { if (text.startsWith(word, i)) i += word.length; else fail(`unexpected ${shown()}`); };
  const str = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail('a line break or control character inside a string');
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') { if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('a bad \\u escape'); i += 5; continue; }
        if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail('a bad escape in a string');
      }
      i++;
    }
    if (i >= text.length) fail('a string that is never closed');
    i++;
  };
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail(`unexpected ${shown()}`);
    i += m[0].length;
  };
  const value = () => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++; ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a property name in double quotes, found ${shown()}`);
        str(); ws();
        if (text[i] !== ':') fail(`expected ':' after the property name, found ${shown()}`);
        i++; value(); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        fail(`expected ',' or '}' after a property value, found ${shown()}`);
      }
    }
    if (c === '[') {
      i++; ws();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value(); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        fail(`expected ',' or ']' after an array element, found ${shown()}`);
      }
    }
    if (c === '"') return str();
    if (c === 't') return lit('true');
    if (c === 'f') return lit('false');
    if (c === 'n') return lit('null');
    if (c === '-' || (c >= '0' && c <= '9')) return num();
    fail(`unexpected ${shown()}`);
  };
  try {
    value(); ws();
    if (i < text.length) fail(`unexpected ${shown()} after the end of the document`);
    return null;
  } catch (e) {
    if (e && typeof e.at === 'number') return e;
    throw e;
  }
}

// Checks JSON text. → {ok: true, value} or {ok: false, message, line, column} (1-based).
export function checkJson(text) {
  text = String(text);
  if (!text.trim()) return { ok: false, message: 'The policy is empty.', line: 1, column: 1 };
  const err = jsonError(text);
  if (err) {
    const lines = text.slice(0, err.at).split('\n');
    return { ok: false, message: err.message, line: lines.length, column: lines.at(-1).length + 1 };
  }
  const value = JSON.parse(text);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, message: 'a policy is a JSON object ({ "Version": …, "Statement": [ … ] })', line: 1, column: 1 };
  }
  return { ok: true, value };
}

// The stored policy text pretty-printed (as it is when it is not JSON).
export function prettyPolicy(text) {
  if (!text) return '';
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
}

// UpdateRestApi operations that store `text` as the policy ('' removes it).
export function policyOps(text) {
  const c = text.trim() ? JSON.stringify(JSON.parse(text)) : '';
  return [{ op: 'replace', path: '/policy', value: c }];
}

export async function policyPage(main, apiId) {
  const api = await get(path('restapis', apiId));
  const reload = () => go(`#/apis/${encodeURIComponent(apiId)}/policy`);
  const saved = prettyPolicy(api.policy);
  const text = h('textarea.policy', { name: 'policy', rows: 18, spellcheck: 'false', value: saved,
    placeholder: '{\n  "Version": "2012-10-17",\n  "Statement": [ … ]\n}' });
  const status = h('p.json-status', { id: 'policy-json-status', 'aria-live': 'polite' });
  text.setAttribute('aria-describedby', 'policy-json-status');
  const check = () => {
    if (!text.value.trim()) {
      status.className = 'json-status';
      status.textContent = saved ? 'Empty: choose Remove policy to delete the saved policy.' : '';
      return null;
    }
    const r = checkJson(text.value);
    status.className = `json-status ${r.ok ? 'good' : 'bad'}`;
    status.textContent = r.ok ? 'Valid JSON.' : `JSON error at line ${r.line}, column ${r.column}: ${r.message}`;
    return r;
  };
  text.addEventListener('input', check);
  check();
  const templates = h('div.templates', h('span.muted', 'Insert an example:'),
    POLICY_TEMPLATES.map((t) => h('button.small', {
      type: 'button', dataset: { template: t.id },
      onclick: () => { text.value = t.text; check(); text.focus(); },
    }, t.label)));
  const slot = errorSlot();
  const format = h('button', { type: 'button' }, 'Format JSON');
  format.addEventListener('click', () => {
    const r = check();
    if (r && r.ok) { text.value = JSON.stringify(r.value, null, 2); check(); }
  });
  const remove = h('button.danger', { type: 'button', disabled: !api.policy }, 'Remove policy');
  remove.addEventListener('click', async () => {
    const ok = await confirmDialog('Remove resource policy',
      [h('p', 'Remove the resource policy of ', h('strong', api.name), '? After the next deployment every caller that the methods’ own authorization lets in can call the API.')],
      'Remove policy', { danger: true, action: () => patch(path('restapis', apiId), policyOps('')) });
    if (ok) { reload(); flash('Resource policy removed. Deploy the API to apply the change to its stages.'); }
  });
  const save = h('button.primary', { type: 'submit' }, 'Save policy');
  const form = h('form.policy-form', { 'aria-labelledby': 'policy-title' },
    h('h2#policy-title', 'Resource policy'),
    h('div.note.redeploy', { role: 'note' }, h('p', h('strong', 'Takes effect after a redeploy. '),
      'As on AWS, a saved policy applies to a stage only once you deploy the API again (Deploy API, above).')),
    h('p.hint', 'Who may call this API, in IAM policy language. ', h('code', 'execute-api:/*'),
      ' stands for every method of this API and is saved as its full ARN.'),
    api.policy ? null : h('p.empty.no-policy', 'This API has no resource policy.'),
    templates,
    field('Policy document (JSON)', text), status,
    slot, h('div.actions', remove, format, save));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = check();
    if (!r || !r.ok) {
      showError(slot, new Error(r ? `The policy is not valid JSON (line ${r.line}, column ${r.column}: ${r.message}). Nothing was saved.`
        : 'The policy is empty. Choose Remove policy to delete it.'));
      text.focus();
      return;
    }
    const done = await busy(save, slot, () => patch(path('restapis', apiId), policyOps(text.value)), 'Saving…');
    if (done) { reload(); flash('Resource policy saved. Deploy the API to apply it to its stages.'); }
  });
  clear(main,
    apiHeader(api, 'policy', (r) => go(`#/apis/${encodeURIComponent(apiId)}/stages/${encodeURIComponent(r.stageName)}`)),
    h('section.card', form));
}
