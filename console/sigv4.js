// AWS Signature Version 4 in the browser, with WebCrypto only.
// Canonical URI: the path as sent, encoded once more per segment (every service but S3).

const enc = new TextEncoder();

const hex = (buf) =>
  Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');

export async function sha256Hex(data) {
  const bytes = typeof data === 'string' ? enc.encode(data) : data;
  return hex(await crypto.subtle.digest('SHA-256', bytes));
}

async function hmac(key, msg) {
  const k = await crypto.subtle.importKey(
    'raw', typeof key === 'string' ? enc.encode(key) : key,
    { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return crypto.subtle.sign('HMAC', k, enc.encode(msg));
}

// RFC 3986 encoding: everything but A-Z a-z 0-9 - _ . ~
export function rfc3986(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

// `rawPath` is the already-encoded path that goes on the wire.
export function canonicalUri(rawPath) {
  const segs = rawPath.split('/').filter((s) => s !== '' && s !== '.');
  const out = [];
  for (const s of segs) (s === '..' ? out.pop() : out.push(s));
  const trail = rawPath.endsWith('/') && out.length ? '/' : '';
  return '/' + out.map(rfc3986).join('/') + trail;
}

export function canonicalQuery(searchParams) {
  const pairs = [];
  for (const [k, v] of searchParams) pairs.push([rfc3986(k), rfc3986(v)]);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

export function amzDate(now = new Date()) {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

// Returns the headers to add: x-amz-date, x-amz-content-sha256, authorization.
// `url` is a URL object; `rawPath` the path exactly as it will be sent.
export async function sign({ method, url, rawPath, body = '', creds, region, service = 'apigateway', now }) {
  const date = amzDate(now);
  const day = date.slice(0, 8);
  const payloadHash = await sha256Hex(body);
  const headers = { host: url.host, 'x-amz-content-sha256': payloadHash, 'x-amz-date': date };
  if (creds.sessionToken) headers['x-amz-security-token'] = creds.sessionToken;
  const names = Object.keys(headers).sort();
  const canonical = [
    method.toUpperCase(),
    canonicalUri(rawPath),
    canonicalQuery(url.searchParams),
    names.map((n) => `${n}:${String(headers[n]).trim().replace(/\s+/g, ' ')}\n`).join(''),
    names.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, await sha256Hex(canonical)].join('\n');
  let key = await hmac('AWS4' + creds.secretAccessKey, day);
  key = await hmac(key, region);
  key = await hmac(key, service);
  key = await hmac(key, 'aws4_request');
  const signature = hex(await hmac(key, toSign));
  delete headers.host; // the browser sets Host itself
  headers.authorization =
    `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return headers;
}
