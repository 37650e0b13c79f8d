// A small, independent SigV4 signer (node:crypto) so the test can check the gateway's state
// through the management API without going through the console's own signing code.
import { createHash, createHmac } from 'node:crypto';

const sha = (s) => createHash('sha256').update(s).digest('hex');
const mac = (k, s) => createHmac('sha256', k).update(s).digest();
const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

// The SigV4 headers (x-amz-date, x-amz-content-sha256, authorization) for a request.
export function signHeaders({ method, url, text = '', creds, now = new Date() }) {
  const date = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  const day = date.slice(0, 8);
  const region = creds.region || 'us-east-1';
  const hash = sha(text);
  const headers = { host: url.host, 'x-amz-content-sha256': hash, 'x-amz-date': date };
  const names = Object.keys(headers).sort();
  const query = [...url.searchParams].map(([k, v]) => `${enc(k)}=${enc(v)}`).sort().join('&');
  const canonicalPath = url.pathname.split('/').map(enc).join('/');
  const canonical = [method, canonicalPath, query, names.map((n) => `${n}:${headers[n]}\n`).join(''), names.join(';'), hash].join('\n');
  const scope = `${day}/${region}/apigateway/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${date}\n${scope}\n${sha(canonical)}`;
  const key = mac(mac(mac(mac('AWS4' + creds.secretAccessKey, day), region), 'apigateway'), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  delete headers.host;
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return headers;
}

export async function signedFetch(base, creds, method, path, body) {
  const url = new URL(path, base);
  const text = body === undefined ? '' : JSON.stringify(body);
  const resp = await fetch(url, {
    method,
    body: text || undefined,
    headers: { ...signHeaders({ method, url, text, creds }), accept: 'application/json', 'content-type': 'application/json' },
  });
  const raw = await resp.text();
  return { status: resp.status, json: raw ? JSON.parse(raw) : null };
}
