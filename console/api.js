// The management API client: same origin, JSON in and out, SigV4 when credentials are set.
import { sign } from './sigv4.js';

const KEY = 'proscenium.credentials';

export function getCreds() {
  try { return JSON.parse(sessionStorage.getItem(KEY) || 'null'); } catch { return null; }
}
export function setCreds(c) {
  if (c) sessionStorage.setItem(KEY, JSON.stringify(c)); else sessionStorage.removeItem(KEY);
}

// An error from the management API, with a sentence a person can read.
export class ApiError extends Error {
  constructor(status, type, message) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.type = type || '';
  }
  get plain() {
    const t = this.type.replace(/Exception$/, '').replace(/([a-z])([A-Z])/g, '$1 $2');
    const what = {
      NotFound: 'Not found', Conflict: 'Conflict', BadRequest: 'Rejected',
      TooManyRequests: 'Too many requests', Unauthorized: 'Not allowed',
      MissingAuthenticationToken: 'Sign-in needed', InvalidSignature: 'Credentials rejected',
      UnrecognizedClient: 'Unknown access key',
    }[this.type.replace(/Exception$/, '')] || t || `HTTP ${this.status}`;
    return `${what}: ${this.message}`;
  }
}

export const AUTH_ERRORS = ['MissingAuthenticationTokenException', 'InvalidSignatureException',
  'UnrecognizedClientException', 'IncompleteSignatureException', 'AccessDeniedException'];

// Encodes each path segment; `segs` are raw values (ids, names, paths).
export const path = (...segs) => '/' + segs.map((s) => encodeURIComponent(String(s))).join('/');

// `raw` sends a text body as it is (with `contentType`), e.g. the CSV of ImportApiKeys.
export async function request(method, p, { body, query, raw, contentType } = {}) {
  const url = new URL(p, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    for (const one of [].concat(v)) url.searchParams.append(k, one);
  }
  const text = raw !== undefined ? raw : body === undefined ? '' : JSON.stringify(body);
  const headers = { accept: 'application/json' };
  if (text) headers['content-type'] = raw !== undefined ? (contentType || 'text/plain') : 'application/json';
  const creds = getCreds();
  if (creds) {
    Object.assign(headers, await sign({
      method, url, rawPath: url.pathname, body: text, creds, region: creds.region || 'us-east-1',
    }));
  }
  let resp;
  try {
    resp = await fetch(url, { method, headers, body: text || undefined, cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'NetworkError', `the gateway could not be reached (${e.message})`);
  }
  const answer = await resp.text();
  let json = null;
  try { json = answer ? JSON.parse(answer) : null; } catch { /* not JSON */ }
  if (!resp.ok) {
    const type = (resp.headers.get('x-amzn-ErrorType') || '').split(':')[0];
    const msg = json && (json.message || json.Message) || answer.trim() || resp.statusText;
    throw new ApiError(resp.status, type, msg);
  }
  return json;
}

// A GET whose answer is a file (GetExport, GetSdk): resolves with { blob, filename }.
export async function download(p, { query, accept } = {}) {
  const url = new URL(p, location.origin);
  for (const [k, v] of Object.entries(query || {})) url.searchParams.append(k, v);
  const headers = { accept: accept || 'application/octet-stream' };
  const creds = getCreds();
  if (creds) {
    Object.assign(headers, await sign({
      method: 'GET', url, rawPath: url.pathname, body: '', creds, region: creds.region || 'us-east-1',
    }));
  }
  let resp;
  try {
    resp = await fetch(url, { headers, cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'NetworkError', `the gateway could not be reached (${e.message})`);
  }
  if (!resp.ok) {
    const answer = await resp.text();
    let json = null;
    try { json = JSON.parse(answer); } catch { /* not JSON */ }
    const type = (resp.headers.get('x-amzn-ErrorType') || '').split(':')[0];
    throw new ApiError(resp.status, type, (json && json.message) || answer.trim() || resp.statusText);
  }
  const disposition = resp.headers.get('content-disposition') || '';
  const m = /filename="([^"]+)"/.exec(disposition);
  return { blob: await resp.blob(), filename: m ? m[1] : 'download' };
}

export const get = (p, query) => request('GET', p, { query });
export const post = (p, body) => request('POST', p, { body: body || {} });
export const put = (p, body) => request('PUT', p, { body: body || {} });
export const del = (p) => request('DELETE', p);
export const patch = (p, ops) => request('PATCH', p, { body: { patchOperations: ops } });

// Every item of a paged list (`{item: [...], position}`).
export async function all(p, query = {}) {
  const items = [];
  let position;
  do {
    const page = await get(p, { ...query, limit: 500, ...(position ? { position } : {}) });
    items.push(...((page && page.item) || []));
    position = page && page.position;
  } while (position);
  return items;
}

export const patchStage = (apiId, stage, ops) => patch(path('restapis', apiId, 'stages', stage), ops);

// Escapes a resource path for method-setting patch paths: /pets/x → ~1pets~1x.
export const escapePointer = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');

// The invoke URLs of a stage, derived from where the console itself is served.
export function invokeUrls(apiId, stage) {
  const host = location.hostname;
  const ipLike = /^[\d.]+$|:/.test(host);
  const base = ipLike ? 'localhost' : host;
  const port = location.port ? `:${location.port}` : '';
  return {
    host: `${location.protocol}//${apiId}.execute-api.${base}${port}/${stage}`,
    path: `${location.origin}/restapis/${apiId}/${stage}/_user_request_`,
  };
}
