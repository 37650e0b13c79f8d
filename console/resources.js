// An API's resource tree with methods, integration types and URIs, and a quick MOCK builder.
import { h, clear, field, errorSlot, busy, confirmDialog, flash } from './ui.js';
import { get, all, post, put, del, path } from './api.js';
import { apiHeader } from './apihead.js';
import { go } from './nav.js';
import { authSummary, methodAuthDialog } from './methodauth.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY'];

export async function apiPage(main, apiId) {
  const [api, resources, authorizers] = await Promise.all([
    get(path('restapis', apiId)),
    all(path('restapis', apiId, 'resources'), { embed: 'methods' }),
    all(path('restapis', apiId, 'authorizers')),
  ]);
  resources.sort((a, b) => a.path.localeCompare(b.path));
  const reload = () => go(`#/apis/${encodeURIComponent(apiId)}`);
  clear(main,
    apiHeader(api, 'resources', (r) => go(`#/apis/${encodeURIComponent(apiId)}/stages/${encodeURIComponent(r.stageName)}`)),
    h('div.split',
      h('section.card', { 'aria-labelledby': 'tree-title' },
        h('h2#tree-title', 'Resources'),
        h('ul.tree', resources.map((r) => resourceItem(apiId, r, authorizers, reload)))),
      h('section.card', { 'aria-labelledby': 'mock-title' }, mockBuilder(apiId, resources, reload))));
}

function resourceItem(apiId, r, authorizers, reload) {
  const depth = r.path === '/' ? 0 : r.path.split('/').length - 1;
  const methods = Object.values(r.resourceMethods || {}).sort((a, b) => a.httpMethod.localeCompare(b.httpMethod));
  const li = h('li', { dataset: { path: r.path } },
    h('div.res', h('span.path', r.path), h('code.id', r.id)),
    methods.length ? h('ul.methods', methods.map((m) => methodItem(apiId, r, m, authorizers, reload))) : null);
  li.style.paddingLeft = `${depth * 1.25}rem`;
  return li;
}

function methodItem(apiId, r, m, authorizers, reload) {
  const integ = m.methodIntegration || {};
  const slot = errorSlot();
  const delBtn = h('button.small.link', { type: 'button', 'aria-label': `Delete ${m.httpMethod} ${r.path}` }, 'Delete');
  delBtn.addEventListener('click', async () => {
    const ok = await confirmDialog('Delete method', [h('p', `Delete ${m.httpMethod} on ${r.path}? Deployed stages keep serving it until you redeploy.`)],
      'Delete method', { danger: true, action: () => del(path('restapis', apiId, 'resources', r.id, 'methods', m.httpMethod)) });
    if (ok) reload();
  });
  const authBtn = h('button.small', { type: 'button', 'aria-label': `Authorization of ${m.httpMethod} ${r.path}` }, 'Authorization');
  authBtn.addEventListener('click', async () => {
    const saved = await methodAuthDialog(apiId, r, m, authorizers);
    if (saved) { reload(); flash(`Authorization of ${m.httpMethod} ${r.path} saved: ${authSummary(saved, authorizers)}. Deploy the API to apply it.`); }
  });
  return h('li.method', { dataset: { method: m.httpMethod } },
    h('a.verb', { href: `#/apis/${encodeURIComponent(apiId)}/methods/${encodeURIComponent(r.id)}/${encodeURIComponent(m.httpMethod)}`, 'aria-label': `Open ${m.httpMethod} ${r.path}` }, m.httpMethod),
    h('span.meta.auth', `auth ${authSummary(m, authorizers)}`),
    m.apiKeyRequired ? h('span.badge.key', 'API key') : null,
    h('span.integ', integ.type ? [h('strong', integ.type), integ.uri ? h('code', integ.uri) : null] : h('em', 'no integration')),
    authBtn, delBtn, slot);
}

// Creates (or updates) a MOCK method answering a fixed body: resources along the path,
// the method, the MOCK integration, the 200 method response and integration response.
function mockBuilder(apiId, resources, reload) {
  const pathIn = h('input', { name: 'path', value: '/hello', required: true, spellcheck: 'false' });
  const verb = h('select', { name: 'httpMethod' }, METHODS.map((m) => h('option', m)));
  const status = h('input', { name: 'status', value: '200', inputmode: 'numeric', required: true });
  const body = h('textarea', { name: 'body', rows: 4, spellcheck: 'false', value: '{"message": "hello"}' });
  const slot = errorSlot();
  const progress = h('p.progress', { 'aria-live': 'polite' });
  const submit = h('button.primary', { type: 'submit' }, 'Save MOCK method');
  const form = h('form', { 'aria-labelledby': 'mock-title' },
    h('h2#mock-title', 'Add or update a MOCK method'),
    h('p.hint', 'Creates the resources along the path if needed, then the method with a MOCK integration that answers the body below. Saving again updates the body.'),
    field('Resource path', pathIn), field('HTTP method', verb), field('Status code', status),
    field('Response body (application/json)', body), progress, slot, h('div.actions', submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const done = await busy(submit, slot, () => saveMock(apiId, resources, {
      path: pathIn.value.trim(), method: verb.value, status: status.value.trim(), body: body.value,
    }, (msg) => (progress.textContent = msg)), 'Saving…');
    progress.textContent = '';
    if (done) reload();
  });
  return form;
}

async function ignoreConflict(p) {
  try { return await p; } catch (e) { if (e.status !== 409) throw e; return null; }
}

async function saveMock(apiId, resources, spec, step) {
  const parts = spec.path.split('/').filter(Boolean);
  let parent = resources.find((r) => r.path === '/');
  let cur = '';
  for (const part of parts) {
    cur += '/' + part;
    let found = resources.find((r) => r.path === cur);
    if (!found) {
      step(`Creating resource ${cur}…`);
      found = await post(path('restapis', apiId, 'resources', parent.id), { pathPart: part });
      resources.push(found);
    }
    parent = found;
  }
  const base = ['restapis', apiId, 'resources', parent.id, 'methods', spec.method];
  step(`Creating method ${spec.method}…`);
  await ignoreConflict(put(path(...base), { authorizationType: 'NONE' }));
  step('Setting the MOCK integration…');
  await put(path(...base, 'integration'), {
    type: 'MOCK', requestTemplates: { 'application/json': `{"statusCode": ${Number(spec.status) || 200}}` },
  });
  step('Setting the responses…');
  await ignoreConflict(put(path(...base, 'responses', spec.status), { responseModels: { 'application/json': 'Empty' } }));
  await put(path(...base, 'integration', 'responses', spec.status), {
    responseTemplates: { 'application/json': spec.body },
  });
  return true;
}
