// The custom domain names page in a real headless Chromium against the real binary: create a
// domain with its certificate and key uploaded as PEM files, add a base path mapping, see the
// URL it serves with a copy button, and check that the gateway serves the mapping by Host.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, createWriteStream, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import net from 'node:net';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = process.env.PROSCENIUM_BIN || join(here, '..', '..', 'target', 'debug', 'proscenium');
// Screenshots and server logs (run.sh sets ARTIFACTS_DIR; see console/README.md).
const ARTIFACTS = process.env.ARTIFACTS_DIR || join(here, '..', '..', 'target', 'ci-artifacts', 'console');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

let server, dataDir, port, base, browser, page;
const pageErrors = [];

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

// Unsigned management calls (the server has no credentials; loopback Host).
async function api(method, path, body) {
  const r = await fetch(base + path, { method, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

function get(host, path) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode, data }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'proscenium-console-domains-'));
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const log = createWriteStream(join(ARTIFACTS, 'server-domains.log'));
  const env = { ...process.env, RUST_LOG: 'warn' };
  delete env.PROSCENIUM_ACCESS_KEY_ID;
  delete env.PROSCENIUM_SECRET_ACCESS_KEY;
  server = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout.pipe(log);
  server.stderr.pipe(log);
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(`${base}/_proscenium/health`)).ok) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, permissions: ['clipboard-read', 'clipboard-write'] });
  page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

after(async () => {
  if (browser) await browser.close();
  if (server && server.exitCode == null) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('custom domains: create with PEM upload, map a stage, copy its URL, served by Host', async () => {
  // A self-signed certificate for the domain, made with openssl.
  const name = `shop-${Date.now()}.example.com`;
  const certFile = join(dataDir, 'domain.crt');
  const keyFile = join(dataDir, 'domain.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`], { stdio: 'ignore' });
  assert.ok(existsSync(certFile) && existsSync(keyFile));

  // An API with GET / (MOCK) deployed to `live`.
  const made = await api('POST', '/restapis', { name: 'shop' });
  const root = made.rootResourceId;
  await api('PUT', `/restapis/${made.id}/resources/${root}/methods/GET`, { authorizationType: 'NONE' });
  await api('PUT', `/restapis/${made.id}/resources/${root}/methods/GET/integration`, { type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } });
  await api('PUT', `/restapis/${made.id}/resources/${root}/methods/GET/responses/200`, {});
  await api('PUT', `/restapis/${made.id}/resources/${root}/methods/GET/integration/responses/200`, { selectionPattern: '', responseTemplates: { 'application/json': '{"shop": "$context.domainName"}' } });
  await api('POST', `/restapis/${made.id}/deployments`, { stageName: 'live' });

  await page.goto(`${base}/_proscenium/console/#/domains`);
  await page.getByRole('heading', { name: 'Custom domain names' }).waitFor();
  await page.getByText('No custom domain names yet.').waitFor();
  await page.getByRole('button', { name: 'Create custom domain' }).click();
  const d = page.getByRole('dialog');
  await d.getByLabel('Domain name').fill(name);
  await d.getByLabel('Endpoint type').selectOption('REGIONAL');
  // A key that does not match is refused with AWS's message, in the dialog.
  const otherKey = join(dataDir, 'other.key');
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', otherKey], { stdio: 'ignore' });
  await d.locator('input[name=certificateFile]').setInputFiles(certFile);
  await d.locator('input[name=keyFile]').setInputFiles(otherKey);
  await page.waitForFunction(() => document.querySelector('textarea[name=certificatePrivateKey]').value.includes('PRIVATE KEY'));
  await d.getByRole('button', { name: 'Create custom domain' }).click();
  await d.getByText('The certificate private key does not match the certificate').waitFor();
  await d.locator('input[name=keyFile]').setInputFiles(keyFile);
  await page.waitForFunction(async (k) => document.querySelector('textarea[name=certificatePrivateKey]').value === k,
    (await import('node:fs')).readFileSync(keyFile, 'utf8'));
  await d.getByRole('button', { name: 'Create custom domain' }).click();

  // The domain's page, with no mapping yet.
  await page.getByRole('heading', { name, exact: true }).waitFor();
  await page.getByText('No mappings: every request for this name is answered 403.').waitFor();
  assert.equal((await get(name, '/')).status, 403);
  await page.getByLabel('Base path').fill('v1');
  await page.getByLabel('API', { exact: true }).selectOption(made.id);
  await page.waitForFunction(() => [...document.querySelectorAll('select[name=stage] option')].some((o) => o.value === 'live'));
  await page.getByLabel('Stage').selectOption('live');
  await page.getByRole('button', { name: 'Add mapping' }).click();
  const row = page.locator('table.mappings tr[data-base-path="v1"]');
  await row.waitFor();
  assert.match(await row.textContent(), /shop/);
  assert.match(await row.textContent(), /live/);
  const url = `https://${name}/v1/`;
  assert.equal(await row.locator('td.mapping-url code').textContent(), url);
  await row.getByRole('button', { name: `Copy URL: ${url}` }).click();
  await row.getByRole('button', { name: /Copied|Copy URL/ }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), url);
  await page.screenshot({ path: join(ARTIFACTS, 'domains-mappings.png'), fullPage: true });

  // The gateway serves the mapping by Host, at once.
  const served = await get(name, '/v1/');
  assert.equal(served.status, 200, served.data);
  assert.deepEqual(JSON.parse(served.data), { shop: name });

  // The list shows the domain with its regional target name.
  await page.goto(`${base}/_proscenium/console/#/domains`);
  const listed = page.locator(`table.domains tr[data-domain="${name}"]`);
  await listed.waitFor();
  assert.match(await listed.textContent(), /REGIONAL/);
  assert.match(await listed.textContent(), /d-[a-z0-9]{10}\.execute-api\.us-east-1\.amazonaws\.com/);

  // Removing the mapping stops serving it.
  await page.goto(`${base}/_proscenium/console/#/domains/${encodeURIComponent(name)}`);
  await page.getByRole('button', { name: 'Remove the mapping v1' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Remove mapping' }).click();
  await page.getByText('No mappings: every request for this name is answered 403.').waitFor();
  assert.equal((await get(name, '/v1/')).status, 403);
  assert.deepEqual(pageErrors, []);
});
