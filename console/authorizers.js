// An API's authorizers: list, create, edit (UpdateAuthorizer patch operations), delete, and
// test one (TestInvokeAuthorizer).
import { h, clear, field, errorSlot, busy, dialog, confirmDialog, flash, showError } from './ui.js';
import { get, all, post, patch, del, path, getCreds } from './api.js';
import { apiHeader } from './apihead.js';
import { go } from './nav.js';

export const AUTHORIZER_TYPES = ['TOKEN', 'REQUEST', 'COGNITO_USER_POOLS'];
const TYPE_LABELS = { TOKEN: 'Lambda (token)', REQUEST: 'Lambda (request parameters)', COGNITO_USER_POOLS: 'Cognito user pool' };
const DEFAULT_SOURCE = 'method.request.header.Authorization';

// A Lambda function ARN (or an authorizer URI, kept as it is) → the authorizer URI AWS wants:
// arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations.
// Throws an Error with a sentence when the text is neither.
export function lambdaAuthorizerUri(text) {
  const s = String(text || '').trim();
  if (/^arn:[\w-]+:apigateway:[\w-]+:lambda:path\/2015-03-31\/functions\/.+\/invocations$/.test(s)) return s;
  const m = /^arn:([\w-]+):lambda:([a-z0-9-]+):(\d{12}):function:([\w-]{1,64})(:[\w$-]+)?$/.exec(s);
  if (!m) {
    throw new Error('Enter a Lambda function ARN (arn:aws:lambda:{region}:{account}:function:{name}) or a full authorizer URI (arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/…/invocations).');
  }
  return `arn:${m[1]}:apigateway:${m[2]}:lambda:path/2015-03-31/functions/${s}/invocations`;
}

// The function ARN inside an authorizer URI, or null.
export function functionArnOf(uri) {
  const m = /^arn:[\w-]+:apigateway:[\w-]+:lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/.exec(uri || '');
  return m ? m[1] : null;
}

// "method.request.header.Authorization" → "Authorization" (the first header of a source).
export function identityHeader(source) {
  const m = /method\.request\.header\.([^,\s]+)/.exec(source || '');
  return m ? m[1] : null;
}

// "Name: value" lines (sep ':') or "name=value" lines (sep '=') → an object; blank lines skipped.
export function parseLines(text, sep) {
  const out = {};
  for (const line of String(text || '').split(/\r?\n/)) {
    if (!line.trim()) continue;
    const i = line.indexOf(sep);
    if (i <= 0) throw new Error(`Each line must look like "name${sep === ':' ? ': ' : '='}value": ${line.trim()}`);
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

const splitList = (text) => String(text || '').split(/[\s,]+/).filter(Boolean);

// What the form holds, normalised: {name, type, authorizerUri, identitySource,
// identityValidationExpression, authorizerResultTtlInSeconds, providerARNs}.
export function formFromAuthorizer(a = {}) {
  return {
    name: a.name || '',
    type: a.type || 'TOKEN',
    authorizerUri: a.authorizerUri || '',
    identitySource: a.identitySource ?? DEFAULT_SOURCE,
    identityValidationExpression: a.identityValidationExpression || '',
    authorizerResultTtlInSeconds: String(a.authorizerResultTtlInSeconds ?? 300),
    providerARNs: (a.providerARNs || []).join('\n'),
  };
}

const isLambda = (type) => type === 'TOKEN' || type === 'REQUEST';

// The CreateAuthorizer body for a form's values; empty fields are left out so AWS's own
// "must not be null" checks answer for them.
export function createBody(v) {
  const body = { type: v.type };
  if (v.name.trim()) body.name = v.name.trim();
  if (isLambda(v.type) && v.authorizerUri) body.authorizerUri = v.authorizerUri;
  if (v.identitySource.trim()) body.identitySource = v.identitySource.trim();
  if (v.type === 'TOKEN' && v.identityValidationExpression) body.identityValidationExpression = v.identityValidationExpression;
  if (v.authorizerResultTtlInSeconds !== '') body.authorizerResultTtlInSeconds = Number(v.authorizerResultTtlInSeconds);
  if (v.type === 'COGNITO_USER_POOLS') body.providerARNs = splitList(v.providerARNs);
  return body;
}

// UpdateAuthorizer patch operations turning form values `before` into `after` (only changes).
export function authorizerOps(before, after) {
  const ops = [];
  const rep = (key, value) => ops.push({ op: 'replace', path: `/${key}`, value });
  if (after.name !== before.name) rep('name', after.name.trim());
  if (after.type !== before.type) rep('type', after.type);
  if (isLambda(after.type) && after.authorizerUri !== before.authorizerUri) rep('authorizerUri', after.authorizerUri);
  if (after.identitySource.trim() !== before.identitySource.trim()) rep('identitySource', after.identitySource.trim());
  if (after.type === 'TOKEN' && after.identityValidationExpression !== before.identityValidationExpression) {
    rep('identityValidationExpression', after.identityValidationExpression);
  }
  if (after.authorizerResultTtlInSeconds !== before.authorizerResultTtlInSeconds) {
    rep('authorizerResultTtlInSeconds', after.authorizerResultTtlInSeconds);
  }
  if (after.type === 'COGNITO_USER_POOLS') {
    const was = splitList(before.providerARNs);
    const now = splitList(after.providerARNs);
    for (const arn of now) if (!was.includes(arn)) ops.push({ op: 'add', path: '/providerARNs', value: arn });
    for (const arn of was) if (!now.includes(arn)) ops.push({ op: 'remove', path: '/providerARNs', value: arn });
  }
  return ops;
}

const pageHash = (apiId) => `#/apis/${encodeURIComponent(apiId)}/authorizers`;

export async function authorizersPage(main, apiId) {
  const [api, authorizers] = await Promise.all([
    get(path('restapis', apiId)),
    all(path('restapis', apiId, 'authorizers')),
  ]);
  authorizers.sort((a, b) => (a.name || '').localeCompare(b.name || ''));
  const reload = () => go(pageHash(apiId));
  const createBtn = h('button.primary', { type: 'button' }, 'Create authorizer');
  createBtn.addEventListener('click', async () => {
    const made = await editDialog(api);
    if (made) { reload(); flash(`Authorizer ${made.name} created.`); }
  });
  const rows = authorizers.map((a) => authorizerRow(api, a, reload));
  clear(main,
    apiHeader(api, 'authorizers', (r) => go(`#/apis/${encodeURIComponent(apiId)}/stages/${encodeURIComponent(r.stageName)}`)),
    h('section.card', { 'aria-labelledby': 'authz-title' },
      h('div.page-head', h('h2#authz-title', 'Authorizers'), createBtn),
      h('p.hint', 'A Lambda authorizer (token or request parameters) or a Cognito user pool checks callers before a method runs. ',
        'Choose one for a method under Resources (authorization CUSTOM or COGNITO_USER_POOLS). Changes reach a stage when you deploy the API.'),
      rows.length
        ? h('table.list.authorizers', h('thead', h('tr', ['Name', 'Type', 'ID', 'Identity source', 'Function or user pools', 'Cache TTL', h('span.sr-only', 'Actions')]
          .map((c) => h('th', { scope: 'col' }, c)))), h('tbody', rows))
        : h('p.empty', 'No authorizers yet. Create one to protect methods with a Lambda function or a Cognito user pool.')));
}

function authorizerRow(api, a, reload) {
  const slot = errorSlot();
  const test = h('button.small', { type: 'button', 'aria-label': `Test ${a.name}` }, 'Test');
  test.addEventListener('click', () => testDialog(api, a));
  const edit = h('button.small', { type: 'button', 'aria-label': `Edit ${a.name}` }, 'Edit');
  edit.addEventListener('click', async () => {
    const saved = await editDialog(api, a);
    if (saved) { reload(); flash(`Authorizer ${saved.name} saved.`); }
  });
  const rm = h('button.small.danger', { type: 'button', 'aria-label': `Delete ${a.name}` }, 'Delete');
  rm.addEventListener('click', async () => {
    const ok = await confirmDialog('Delete authorizer', [h('p', 'Delete the authorizer ', h('strong', a.name), ` (${a.id})? Deployed stages keep using it until you redeploy.`)],
      'Delete authorizer', { danger: true, action: () => del(path('restapis', api.id, 'authorizers', a.id)) });
    if (ok) { reload(); flash(`Authorizer ${a.name} deleted.`); }
  });
  const fn = functionArnOf(a.authorizerUri);
  const target = a.type === 'COGNITO_USER_POOLS'
    ? (a.providerARNs || []).map((p) => h('div', h('code', p)))
    : a.authorizerUri ? h('code', fn || a.authorizerUri) : h('em.muted', 'none');
  return h('tr', { dataset: { authorizerId: a.id, name: a.name } },
    h('th', { scope: 'row' }, a.name),
    h('td', h('span.badge.type', a.type), h('div', h('small.muted', TYPE_LABELS[a.type] || ''))),
    h('td', h('code.aid', a.id)),
    h('td', a.identitySource ? h('code', a.identitySource) : '—',
      a.identityValidationExpression ? h('div', h('small.muted', 'must match '), h('code', a.identityValidationExpression)) : null),
    h('td', target),
    h('td', `${a.authorizerResultTtlInSeconds ?? 300} s`),
    h('td.row-actions', test, ' ', edit, ' ', rm, slot));
}

// Create (no `a`) or edit an authorizer; resolves with the saved authorizer or undefined.
function editDialog(api, a) {
  const before = formFromAuthorizer(a);
  return dialog(a ? `Edit authorizer ${a.name}` : 'Create authorizer', (close) => {
    const name = h('input', { name: 'name', value: before.name, spellcheck: 'false', autofocus: true });
    const type = h('select', { name: 'type' }, AUTHORIZER_TYPES.map((t) => h('option', { value: t, selected: t === before.type }, `${t} — ${TYPE_LABELS[t]}`)));
    type.value = before.type;
    const fn = h('input', { name: 'functionArn', value: functionArnOf(before.authorizerUri) || before.authorizerUri, spellcheck: 'false',
      placeholder: 'arn:aws:lambda:us-east-1:123456789012:function:my-authorizer' });
    const uriOut = h('code.built-uri');
    const uriHint = h('small.hint', 'Authorizer URI: ', uriOut);
    const source = h('input', { name: 'identitySource', value: before.identitySource, spellcheck: 'false' });
    const sourceHint = h('small.hint');
    const regex = h('input', { name: 'identityValidationExpression', value: before.identityValidationExpression, spellcheck: 'false', placeholder: 'e.g. Bearer [-0-9a-zA-Z._]+' });
    const ttl = h('input', { name: 'authorizerResultTtlInSeconds', type: 'number', min: '0', max: '3600', step: '1', value: before.authorizerResultTtlInSeconds });
    const pools = h('textarea', { name: 'providerARNs', rows: 3, spellcheck: 'false', value: before.providerARNs,
      placeholder: `arn:aws:cognito-idp:${getCreds()?.region || 'us-east-1'}:123456789012:userpool/us-east-1_Example` });
    const fnField = h('div.wide', field('Lambda function ARN', fn, 'Paste the function ARN; the console builds the authorizer URI. A full authorizer URI is kept as it is.'), uriHint);
    const regexField = field('Token validation (regular expression, optional)', regex, 'The whole token must match; other tokens are refused with 401 without calling the function.');
    const poolsField = h('div.wide', field('Cognito user pool ARNs (one per line)', pools));
    const slot = errorSlot();
    const submit = h('button.primary', { type: 'submit' }, a ? 'Save authorizer' : 'Create authorizer');
    const read = () => ({
      name: name.value, type: type.value, authorizerUri: '', identitySource: source.value,
      identityValidationExpression: regex.value, authorizerResultTtlInSeconds: ttl.value.trim(), providerARNs: pools.value,
    });
    const sync = () => {
      const t = type.value;
      fnField.hidden = !isLambda(t);
      regexField.hidden = t !== 'TOKEN';
      poolsField.hidden = t !== 'COGNITO_USER_POOLS';
      sourceHint.textContent = t === 'REQUEST'
        ? 'Comma-separated, e.g. method.request.header.X-User, method.request.querystring.key. Leave empty to turn caching off.'
        : 'Where the token is read, e.g. method.request.header.Authorization.';
      try { uriOut.textContent = fn.value.trim() ? lambdaAuthorizerUri(fn.value) : '—'; } catch { uriOut.textContent = 'not a Lambda function ARN yet'; }
    };
    type.addEventListener('change', sync);
    fn.addEventListener('input', sync);
    sync();
    const form = h('form.authorizer-form',
      h('div.two',
        field('Name', name), field('Type', type),
        fnField,
        h('div.wide', field('Identity source', source), sourceHint),
        h('div.wide', regexField),
        field('Result cache TTL (seconds)', ttl, '0 turns caching off; at most 3600.'),
        poolsField),
      slot, h('div.actions', h('button', { type: 'button', onclick: () => close() }, 'Cancel'), submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const v = read();
      if (isLambda(v.type)) {
        try {
          v.authorizerUri = lambdaAuthorizerUri(fn.value);
        } catch (err) {
          showError(slot, err);
          fn.focus();
          return;
        }
      }
      const base = ['restapis', api.id, 'authorizers'];
      const saved = await busy(submit, slot, () => {
        if (!a) return post(path(...base), createBody(v));
        const ops = authorizerOps(before, v);
        return ops.length ? patch(path(...base, a.id), ops) : a;
      }, 'Saving…');
      if (saved) close(saved);
    });
    return form;
  }, { wide: true });
}

// TestInvokeAuthorizer with a request the user describes; shows status, principal, policy, log.
function testDialog(api, a) {
  return dialog(`Test authorizer ${a.name}`, (close) => {
    const header = identityHeader(a.identitySource) || 'Authorization';
    const token = h('input', { name: 'token', spellcheck: 'false', autofocus: true, placeholder: 'e.g. Bearer allow-me' });
    const headers = h('textarea', { name: 'headers', rows: 3, spellcheck: 'false', value: a.type === 'TOKEN' ? '' : `${header}: ` });
    const pathQs = h('input', { name: 'pathWithQueryString', spellcheck: 'false', value: '/' });
    const vars = h('textarea', { name: 'stageVariables', rows: 2, spellcheck: 'false', placeholder: 'name=value, one per line' });
    const body = h('textarea', { name: 'body', rows: 2, spellcheck: 'false' });
    const slot = errorSlot();
    const out = h('div.test-out', { 'aria-live': 'polite' });
    const submit = h('button.primary', { type: 'submit' }, 'Test');
    const fields = a.type === 'TOKEN'
      ? [field(`Token (header ${header})`, token)]
      : [field('Headers ("Name: value", one per line)', headers), field('Path with query string', pathQs),
        a.type === 'REQUEST' ? [field('Stage variables ("name=value", one per line)', vars), field('Body', body)] : null];
    const form = h('form.test-form',
      h('p.hint', 'Calls the authorizer as it is defined now (not as deployed) with this request.'),
      fields, slot, out,
      h('div.actions', h('button', { type: 'button', onclick: () => close() }, 'Close'), submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clear(out);
      let req;
      try {
        req = a.type === 'TOKEN'
          ? { headers: { [header]: token.value }, pathWithQueryString: '/', body: '' }
          : { headers: parseLines(headers.value, ':'), pathWithQueryString: pathQs.value || '/', body: body.value, stageVariables: parseLines(vars.value, '=') };
      } catch (err) {
        showError(slot, err);
        return;
      }
      let notImplemented = null;
      const res = await busy(submit, null, async () => {
        try {
          return await post(path('restapis', api.id, 'authorizers', a.id), req);
        } catch (err) {
          if (err.status === 501) { notImplemented = err; return null; }
          showError(slot, err);
          return null;
        }
      }, 'Testing…');
      if (notImplemented) {
        out.append(h('div.note.not-implemented', { role: 'alert' },
          h('p', h('strong', 'This gateway cannot test authorizers yet.')),
          h('p', 'TestInvokeAuthorizer answered 501 Not Implemented: ', notImplemented.message),
          h('p', 'To try the authorizer, deploy the API and call a method that uses it.')));
      } else if (res) {
        out.append(testResult(res));
      }
    });
    return form;
  }, { wide: true });
}

export function prettyJsonText(text) {
  if (text == null || text === '') return '';
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return String(text); }
}

function testResult(r) {
  const status = Number(r.clientStatus);
  const obj = (o) => (o && Object.keys(o).length ? h('pre.code', JSON.stringify(o, null, 2)) : h('span.muted', 'none'));
  return h('div.test-result',
    h('h3', 'Response'),
    h('dl',
      h('dt', 'Status'), h('dd', h(`span.client-status.status-${String(status)[0]}`, String(r.clientStatus ?? '—'))),
      h('dt', 'Principal ID'), h('dd', r.principalId ? h('code.principal', r.principalId) : h('span.muted', 'none')),
      h('dt', 'Latency'), h('dd', r.latency != null ? `${r.latency} ms` : '—'),
      r.claims && Object.keys(r.claims).length ? [h('dt', 'Claims'), h('dd', obj(r.claims))] : null,
      r.authorization && Object.keys(r.authorization).length ? [h('dt', 'Context'), h('dd', obj(r.authorization))] : null),
    h('h3', 'Policy'),
    r.policy ? h('pre.code.policy-out', prettyJsonText(r.policy)) : h('p.muted', 'No policy returned.'),
    h('h3', 'Log'),
    h('pre.code.log-out', r.log || '(empty)'));
}
