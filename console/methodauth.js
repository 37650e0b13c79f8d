// A method's authorization: how the resource tree describes it, and the dialog that changes it
// with UpdateMethod patch operations (/authorizationType, /authorizerId, /authorizationScopes,
// /apiKeyRequired).
import { h, field, errorSlot, busy, dialog } from './ui.js';
import { patch, path } from './api.js';

export const AUTH_TYPES = ['NONE', 'AWS_IAM', 'CUSTOM', 'COGNITO_USER_POOLS'];
const AUTH_LABELS = { NONE: 'None', AWS_IAM: 'IAM (SigV4)', CUSTOM: 'Lambda authorizer', COGNITO_USER_POOLS: 'Cognito user pool' };

// Which authorizer types a method authorization type can use.
export const authorizersFor = (authType, authorizers) => authorizers.filter((a) =>
  authType === 'COGNITO_USER_POOLS' ? a.type === 'COGNITO_USER_POOLS'
    : authType === 'CUSTOM' ? a.type === 'TOKEN' || a.type === 'REQUEST' : false);

const needsAuthorizer = (t) => t === 'CUSTOM' || t === 'COGNITO_USER_POOLS';
const scopesOf = (list) => [...new Set((Array.isArray(list) ? list : String(list || '').split(/[\s,]+/)).filter(Boolean))];

// The method's authorization as a short text: "CUSTOM (my-auth)", "COGNITO_USER_POOLS (pool) scopes a b".
export function authSummary(m, authorizers = []) {
  const type = m.authorizationType || 'NONE';
  let s = type;
  if (needsAuthorizer(type)) {
    const a = authorizers.find((x) => x.id === m.authorizerId);
    s += ` (${a ? a.name : m.authorizerId ? `unknown authorizer ${m.authorizerId}` : 'no authorizer'})`;
  }
  const scopes = scopesOf(m.authorizationScopes);
  if (type === 'COGNITO_USER_POOLS' && scopes.length) s += ` · scopes ${scopes.join(' ')}`;
  return s;
}

// UpdateMethod operations from the method's current authorization to `after`
// ({authorizationType, authorizerId, authorizationScopes: [] or text, apiKeyRequired}).
export function methodAuthOps(m, after) {
  const ops = [];
  const type = after.authorizationType;
  if (type !== (m.authorizationType || 'NONE')) ops.push({ op: 'replace', path: '/authorizationType', value: type });
  if (needsAuthorizer(type) && (after.authorizerId || '') !== (m.authorizerId || '')) {
    ops.push({ op: 'replace', path: '/authorizerId', value: after.authorizerId || '' });
  }
  // Scopes are added and removed one by one, as AWS takes them; only Cognito methods use them,
  // so other types leave them alone.
  const was = scopesOf(m.authorizationScopes);
  const now = type === 'COGNITO_USER_POOLS' ? scopesOf(after.authorizationScopes) : was;
  for (const s of now) if (!was.includes(s)) ops.push({ op: 'add', path: '/authorizationScopes', value: s });
  for (const s of was) if (!now.includes(s)) ops.push({ op: 'remove', path: '/authorizationScopes', value: s });
  if (Boolean(after.apiKeyRequired) !== Boolean(m.apiKeyRequired)) {
    ops.push({ op: 'replace', path: '/apiKeyRequired', value: String(Boolean(after.apiKeyRequired)) });
  }
  return ops;
}

// The dialog; resolves with the updated method, or undefined when nothing was saved.
export function methodAuthDialog(apiId, resource, m, authorizers) {
  return dialog(`Authorization of ${m.httpMethod} ${resource.path}`, (close) => {
    const type = h('select', { name: 'authorizationType', autofocus: true },
      AUTH_TYPES.map((t) => h('option', { value: t }, `${t} — ${AUTH_LABELS[t]}`)));
    type.value = m.authorizationType || 'NONE';
    const authorizer = h('select', { name: 'authorizerId' });
    const authorizerField = field('Authorizer', authorizer);
    const noneHint = h('p.hint.no-authorizers', { hidden: true });
    const scopes = h('input', { name: 'authorizationScopes', spellcheck: 'false', value: scopesOf(m.authorizationScopes).join(' '),
      placeholder: 'e.g. email openid pets/read' });
    const scopesField = field('OAuth scopes (optional, space-separated)', scopes, 'With scopes, the method takes an access token carrying one of them; without, an ID token.');
    const apiKey = h('input', { type: 'checkbox', name: 'apiKeyRequired', id: 'auth-api-key', checked: Boolean(m.apiKeyRequired) });
    const slot = errorSlot();
    const submit = h('button.primary', { type: 'submit' }, 'Save authorization');
    const sync = () => {
      const t = type.value;
      const usable = authorizersFor(t, authorizers);
      const keep = authorizer.value || m.authorizerId;
      authorizer.replaceChildren(...usable.map((a) => h('option', { value: a.id }, `${a.name} (${a.type}, ${a.id})`)));
      if (usable.some((a) => a.id === keep)) authorizer.value = keep;
      authorizerField.hidden = !needsAuthorizer(t) || !usable.length;
      noneHint.hidden = !needsAuthorizer(t) || usable.length > 0;
      noneHint.replaceChildren('This API has no ', t === 'CUSTOM' ? 'Lambda' : 'Cognito user pool',
        ' authorizer yet. ', h('a', { href: `#/apis/${encodeURIComponent(apiId)}/authorizers` }, 'Create one on the Authorizers page'), '.');
      scopesField.hidden = t !== 'COGNITO_USER_POOLS';
    };
    type.addEventListener('change', sync);
    sync();
    const form = h('form.auth-form',
      h('p.hint', 'Deployed stages keep the old authorization until you deploy the API again.'),
      field('Authorization', type), authorizerField, noneHint, scopesField,
      h('div.field.check', apiKey, h('label', { for: 'auth-api-key' }, 'API key required')),
      slot, h('div.actions', h('button', { type: 'button', onclick: () => close() }, 'Cancel'), submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const ops = methodAuthOps(m, {
        authorizationType: type.value,
        authorizerId: needsAuthorizer(type.value) ? authorizer.value : '',
        authorizationScopes: scopes.value, apiKeyRequired: apiKey.checked,
      });
      if (!ops.length) return close(undefined);
      const saved = await busy(submit, slot,
        () => patch(path('restapis', apiId, 'resources', resource.id, 'methods', m.httpMethod), ops), 'Saving…');
      if (saved) close(saved);
    });
    return form;
  });
}
