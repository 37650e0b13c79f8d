// End-to-end tests of the web console: the real `proscenium` binary, a real headless Chromium
// (Debian's /usr/bin/chromium, driven by playwright-core). Run with `node --test e2e.mjs`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import net from 'node:net';
import { chromium } from 'playwright-core';
import { signedFetch, signHeaders } from './sigv4-node.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// Default: the workspace's debug build (/work/main/target/debug/proscenium in this checkout).
const BIN = process.env.PROSCENIUM_BIN || join(here, '..', '..', 'target', 'debug', 'proscenium');
const ARTIFACTS = process.env.ARTIFACTS_DIR || join(here, 'artifacts');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const CREDS = { accessKeyId: 'AKIDCONSOLETEST', secretAccessKey: 'console-e2e-secret', region: 'us-east-1' };

let server, dataDir, port, base, browser, page;
const pageErrors = [];

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

async function waitHealthy() {
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`${base}/_proscenium/health`);
      if (r.ok) return;
    } catch { /* not yet */ }
    if (server.exitCode != null) throw new Error(`proscenium exited with ${server.exitCode}; see ${ARTIFACTS}/server.log`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('proscenium did not become healthy');
}

const api = (method, path, body) => signedFetch(base, CREDS, method, path, body);

// Calls a deployed stage, path style and host style; returns the parsed JSON bodies.
async function invoke(apiId, stage, resource) {
  const pathStyle = await fetch(`${base}/restapis/${apiId}/${stage}/_user_request_${resource}`);
  assert.equal(pathStyle.status, 200, `path-style ${resource}`);
  const hostStyle = await new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: `/${stage}${resource}`, headers: { host: `${apiId}.execute-api.localhost:${port}` } }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode, data }));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(hostStyle.status, 200, `host-style ${resource}: ${hostStyle.data}`);
  const a = await pathStyle.json();
  assert.deepEqual(JSON.parse(hostStyle.data), a);
  return a;
}

let shot = 0;
async function screenshot(name) {
  await page.waitForTimeout(150); // let transitions settle
  await page.screenshot({ path: join(ARTIFACTS, `${String(++shot).padStart(2, '0')}-${name}.png`), fullPage: true });
}

const dlg = () => page.getByRole('dialog');

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'proscenium-console-'));
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const log = createWriteStream(join(ARTIFACTS, 'server.log'));
  server = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir], {
    env: { ...process.env, PROSCENIUM_ACCESS_KEY_ID: CREDS.accessKeyId, PROSCENIUM_SECRET_ACCESS_KEY: CREDS.secretAccessKey, RUST_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.pipe(log);
  server.stderr.pipe(log);
  await waitHealthy();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
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

test('without configured credentials the console opens without a sign-in', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'proscenium-console-open-'));
  const p = await freePort();
  const env = { ...process.env, RUST_LOG: 'warn' };
  delete env.PROSCENIUM_ACCESS_KEY_ID;
  delete env.PROSCENIUM_SECRET_ACCESS_KEY;
  const open = spawn(BIN, ['serve', '--listen', `127.0.0.1:${p}`, '--data-dir', dir], { env, stdio: 'ignore' });
  try {
    for (let i = 0; i < 200; i++) {
      try { if ((await fetch(`http://127.0.0.1:${p}/_proscenium/health`)).ok) break; } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const pg = await ctx.newPage();
    await pg.goto(`http://127.0.0.1:${p}/_proscenium/console/`);
    await pg.getByRole('heading', { name: 'APIs' }).waitFor();
    assert.equal(await pg.getByRole('heading', { name: 'Sign in to this gateway' }).count(), 0);
    assert.equal(await pg.locator('#session').textContent(), '');
    await ctx.close();
  } finally {
    open.kill('SIGTERM');
    await new Promise((r) => open.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the console is served from the binary with the right content types', async () => {
  for (const [p, type] of [
    ['/_proscenium/console', 'text/html'], ['/_proscenium/console/', 'text/html'],
    ['/_proscenium/console/app.js', 'text/javascript'], ['/_proscenium/console/style.css', 'text/css'],
  ]) {
    const r = await fetch(base + p);
    assert.equal(r.status, 200, p);
    assert.match(r.headers.get('content-type'), new RegExp(type), p);
  }
  assert.equal((await fetch(`${base}/_proscenium/console/nope.js`)).status, 404);
  // Unsigned management calls are refused: the console has to sign.
  const r = await fetch(`${base}/restapis`);
  assert.equal(r.status, 403);
});

test('deploy twice, roll back through Deployment history, create and promote a canary', async (t) => {
  let apiId, first, second;

  await t.test('sign in: wrong secret is refused in plain words, the right one works', async () => {
    await page.goto(`${base}/_proscenium/console`);
    await page.getByRole('heading', { name: 'Sign in to this gateway' }).waitFor();
    await page.getByLabel('Access key ID').fill(CREDS.accessKeyId);
    await page.getByLabel('Secret access key').fill('wrong-secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const err = page.locator('.signin .error');
    await err.waitFor();
    assert.match(await err.textContent(), /signature/i);
    await screenshot('signin-error');
    await page.getByLabel('Secret access key').fill(CREDS.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'APIs' }).waitFor();
    await screenshot('apis-empty');
  });

  await t.test('create an API', async () => {
    await page.getByRole('button', { name: 'Create API' }).click();
    await dlg().getByLabel('API name').fill('console-e2e');
    await dlg().getByLabel('Description').fill('made by the console test');
    await screenshot('create-api-dialog');
    await dlg().getByRole('button', { name: 'Create API' }).click();
    await page.waitForURL(/#\/apis\/[a-z0-9]+$/);
    apiId = decodeURIComponent(page.url().split('#/apis/')[1]);
    await page.getByRole('heading', { name: 'Resources' }).waitFor();
    const got = await api('GET', `/restapis/${apiId}`);
    assert.equal(got.status, 200);
    assert.equal(got.json.name, 'console-e2e');
  });

  const saveMock = async (path, body) => {
    await page.getByLabel('Resource path').fill(path);
    await page.getByLabel('HTTP method').selectOption('GET');
    await page.getByLabel('Response body (application/json)').fill(body);
    await page.evaluate(() => document.querySelector('ul.tree').setAttribute('data-stale', ''));
    await page.getByRole('button', { name: 'Save MOCK method' }).click();
    await page.locator(`ul.tree:not([data-stale]) li[data-path="${path}"] .method[data-method="GET"]`).waitFor();
  };

  const deploy = async ({ stage, isNew, description, stageDescription, name }) => {
    await page.getByRole('button', { name: 'Deploy API' }).click();
    const sel = dlg().getByLabel('Stage', { exact: true });
    await assert.doesNotReject(sel.and(page.locator(':enabled')).waitFor());
    if (isNew) {
      await sel.selectOption('__new__');
      await dlg().getByLabel('Stage name').fill(stage);
      await dlg().getByLabel('Stage description').fill(stageDescription);
    } else {
      await sel.selectOption(stage);
    }
    await dlg().getByLabel('Deployment description').fill(description);
    await screenshot(`deploy-dialog-${name}`);
    await dlg().getByRole('button', { name: 'Deploy', exact: true }).click();
    const url = dlg().locator('.invoke-url');
    await url.waitFor();
    assert.equal(await url.textContent(), `http://${apiId}.execute-api.localhost:${port}/${stage}`);
    await dlg().getByRole('button', { name: 'Copy URL' }).waitFor();
    const id = (await dlg().locator('.deployment-id').textContent()).trim();
    await screenshot(`deploy-result-${name}`);
    await dlg().getByRole('button', { name: 'Done' }).click();
    await page.waitForURL(new RegExp(`#/apis/${apiId}/stages/${stage}`));
    await page.locator('.active-deployment', { hasText: id }).waitFor();
    return id;
  };

  await t.test('build a MOCK method through the console and deploy it to a new stage', async () => {
    await saveMock('/hello', '{"version": 1}');
    await screenshot('resources');
    first = await deploy({ stage: 'prod', isNew: true, description: 'first', stageDescription: 'production', name: 'first' });
    assert.deepEqual(await invoke(apiId, 'prod', '/hello'), { version: 1 });
    await screenshot('stage-settings-after-first-deploy');
  });

  await t.test('Escape closes a dialog and gives focus back', async () => {
    const open = page.getByRole('button', { name: 'Deploy API' });
    await open.click();
    await dlg().waitFor();
    await page.keyboard.press('Escape');
    await dlg().waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Deploy API');
  });

  await t.test('change the API and deploy again to the existing stage', async () => {
    // An HTTP_PROXY method made outside the console shows its integration type and URI.
    const resources = (await api('GET', `/restapis/${apiId}/resources`)).json.item;
    const hello = resources.find((r) => r.path === '/hello');
    assert.equal((await api('PUT', `/restapis/${apiId}/resources/${hello.id}/methods/POST`, { authorizationType: 'NONE' })).status, 201);
    assert.equal((await api('PUT', `/restapis/${apiId}/resources/${hello.id}/methods/POST/integration`,
      { type: 'HTTP_PROXY', integrationHttpMethod: 'POST', uri: 'http://backend.invalid/hello' })).status, 201);
    await page.getByRole('link', { name: 'Resources' }).click();
    const post = page.locator('li[data-path="/hello"] .method[data-method="POST"]');
    await post.waitFor();
    assert.match(await post.textContent(), /HTTP_PROXY.*http:\/\/backend\.invalid\/hello/);
    await saveMock('/hello', '{"version": 2}');
    await saveMock('/items', '{"items": []}');
    second = await deploy({ stage: 'prod', isNew: false, description: 'second', name: 'second' });
    assert.notEqual(first, second);
    assert.deepEqual(await invoke(apiId, 'prod', '/hello'), { version: 2 });
  });

  await t.test('Deployment history: make the first deployment active again', async () => {
    await page.getByRole('tab', { name: 'Deployment history' }).click();
    const rowFirst = page.locator(`tr[data-deployment-id="${first}"]`);
    await rowFirst.waitFor();
    assert.equal(await page.locator(`tr.active[data-deployment-id="${second}"]`).count(), 1);
    await rowFirst.getByRole('radio').check();
    await screenshot('history');
    await page.getByRole('button', { name: 'Change active deployment' }).click();
    await dlg().getByRole('heading', { name: 'Make active deployment' }).waitFor();
    await screenshot('make-active-dialog');
    await dlg().getByRole('button', { name: 'Make active deployment' }).click();
    await page.locator(`tr.active[data-deployment-id="${first}"]`).waitFor();
    await screenshot('history-after-rollback');
    // Deleting the deployment the stage serves is refused; the reason shows in the dialog.
    await page.locator(`tr[data-deployment-id="${first}"]`).getByRole('radio').check();
    await page.getByRole('button', { name: 'Delete deployment' }).click();
    await dlg().getByRole('button', { name: 'Delete deployment' }).click();
    const refusal = dlg().locator('.error');
    await refusal.waitFor();
    assert.match(await refusal.textContent(), /stage/i);
    await screenshot('delete-active-deployment-refused');
    await page.keyboard.press('Escape');
    await dlg().waitFor({ state: 'detached' });
    const stage = await api('GET', `/restapis/${apiId}/stages/prod`);
    assert.equal(stage.status, 200);
    assert.equal(stage.json.deploymentId, first);
    assert.deepEqual(await invoke(apiId, 'prod', '/hello'), { version: 1 });
  });

  await t.test('stage settings are saved as UpdateStage patch operations', async () => {
    await page.getByRole('tab', { name: 'Stage settings' }).click();
    await page.getByLabel('Rate (requests per second)').fill('123');
    await page.getByLabel('Burst (requests)').fill('45');
    await page.getByLabel('Execution logging level').selectOption('INFO');
    await page.getByLabel('Detailed metrics').check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('.active-deployment').waitFor();
    await page.waitForFunction(() => document.querySelector('input[name="rateLimit"]')?.value === '123');
    const stage = (await api('GET', `/restapis/${apiId}/stages/prod`)).json;
    const all = stage.methodSettings['*/*'];
    assert.equal(all.throttlingRateLimit, 123);
    assert.equal(all.throttlingBurstLimit, 45);
    assert.equal(all.loggingLevel, 'INFO');
    assert.equal(all.metricsEnabled, true);
    await screenshot('stage-settings');
  });

  await t.test('tabs follow the arrow keys', async () => {
    await page.getByRole('tab', { name: 'Stage settings' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-tab') === 'variables');
    assert.equal(await page.getByRole('tab', { name: 'Stage variables' }).getAttribute('aria-selected'), 'true');
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-tab') === 'settings');
  });

  await t.test('stage variables: a refused name is explained next to the form; a good one is added', async () => {
    await page.getByRole('tab', { name: 'Stage variables' }).click();
    await page.getByLabel('Name', { exact: true }).fill('bad-name');
    await page.getByLabel('Value', { exact: true }).fill('x');
    await page.getByRole('button', { name: 'Add variable' }).click();
    const err = page.locator('.inline-form .error');
    await err.waitFor();
    assert.match(await err.textContent(), /alphanumeric/);
    await screenshot('variables-error');
    await page.getByLabel('Name', { exact: true }).fill('color');
    await page.getByLabel('Value', { exact: true }).fill('blue');
    await page.getByRole('button', { name: 'Add variable' }).click();
    await page.locator('tr[data-variable="color"]').waitFor();
    await screenshot('variables');
  });

  await t.test('a per-method override', async () => {
    await page.getByRole('tab', { name: 'Method overrides' }).click();
    await page.getByLabel('Method', { exact: true }).selectOption('/hello GET');
    await page.getByLabel('Throttling rate').fill('7');
    await page.getByRole('button', { name: 'Save override' }).click();
    await page.getByRole('rowheader', { name: 'GET /hello' }).waitFor();
    const stage = (await api('GET', `/restapis/${apiId}/stages/prod`)).json;
    assert.equal(stage.methodSettings['hello/GET'].throttlingRateLimit, 7);
    await screenshot('method-overrides');
  });

  await t.test('Deployment diff compares what the two deployments froze', async () => {
    await page.getByRole('tab', { name: 'Deployment diff' }).click();
    await page.getByLabel('From (older)').selectOption(first);
    await page.getByLabel('To (newer)').selectOption(second);
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.locator('.diff-group.added li', { hasText: 'Resource /items' }).waitFor();
    // The mapping template that changed between the deployments is shown old → new.
    await page.locator('.diff-group.changed li', { hasText: 'GET /hello › integration › integrationResponses' }).waitFor();
    await screenshot('diff');
  });

  await t.test('Canary: create, change the percentage, promote', async () => {
    await page.getByRole('tab', { name: 'Canary' }).click();
    await page.getByLabel('Percentage of requests to the canary').fill('25');
    await page.getByLabel('Canary deployment').selectOption(second);
    await page.getByRole('button', { name: 'Add override' }).click();
    await page.getByLabel('Variable name').fill('color');
    await page.getByLabel('Override value').fill('green');
    await screenshot('canary-create');
    await page.getByRole('button', { name: 'Create canary' }).click();
    await page.locator('.canary-percent', { hasText: '25%' }).waitFor();
    let stage = (await api('GET', `/restapis/${apiId}/stages/prod`)).json;
    assert.equal(stage.canarySettings.deploymentId, second);
    assert.equal(stage.canarySettings.percentTraffic, 25);
    assert.deepEqual(stage.canarySettings.stageVariableOverrides, { color: 'green' });

    await page.getByLabel('Percentage of requests to the canary').fill('50');
    await page.getByRole('button', { name: 'Change percentage' }).click();
    await page.locator('.canary-percent', { hasText: '50%' }).waitFor();
    await screenshot('canary');

    await page.getByRole('button', { name: 'Promote canary' }).click();
    const changes = dlg().locator('ul.changes');
    await changes.waitFor();
    const text = await changes.textContent();
    assert.match(text, new RegExp(`Active deployment: ${first} → ${second}`));
    assert.match(text, /Stage variable color: "blue" → "green"/);
    assert.match(text, /50% → 0%/);
    await screenshot('promote-dialog');
    await dlg().getByRole('button', { name: 'Promote' }).click();
    await page.locator('.active-deployment', { hasText: second }).waitFor();
    stage = (await api('GET', `/restapis/${apiId}/stages/prod`)).json;
    assert.equal(stage.deploymentId, second);
    assert.equal(stage.variables.color, 'green');
    assert.equal(stage.canarySettings.percentTraffic, 0);
    assert.deepEqual(await invoke(apiId, 'prod', '/hello'), { version: 2 });
    await screenshot('canary-promoted');
  });

  await t.test('Live traffic shows what the metrics endpoint has', async () => {
    for (let i = 0; i < 5; i++) await invoke(apiId, 'prod', '/hello');
    await page.getByRole('tab', { name: 'Live traffic' }).click();
    await page.locator('.traffic-body .side.base, .traffic-body .note').first().waitFor();
    await page.waitForTimeout(2500);
    // With credentials the metrics are signed like a management call: the page signs its own.
    assert.equal((await fetch(`${base}/_proscenium/metrics`)).status, 403);
    const url = new URL('/_proscenium/metrics', base);
    const signed = await fetch(url, { headers: signHeaders({ method: 'GET', url, text: '', creds: CREDS }) });
    assert.equal(signed.status, 200);
    const published = (await signed.text()).includes(`proscenium_requests_total{api_id="${apiId}"`);
    if (published) {
      // This gateway publishes per-stage metrics: the base side counts what was sent.
      const requests = Number(await page.locator('.side.base .stat .v').first().textContent());
      assert.ok(requests >= 5, `base requests ${requests}`);
    } else {
      await page.locator('.traffic-body .note').waitFor();
    }
    await screenshot('traffic');
  });

  await t.test('Live traffic with per-stage metrics: base and canary side by side (synthetic feed)', async () => {
    // The series a gateway with per-stage metrics publishes, growing on every scrape.
    let n = 0;
    const feed = () => {
      n += 1;
      const l = (canary, extra = '') => `{api_id="${apiId}",api_name="console-e2e",stage="prod",canary="${canary}"${extra}}`;
      return [
        `proscenium_requests_total${l('false')} ${100 * n}`,
        `proscenium_requests_total${l('true')} ${20 * n + (n % 2) * 10}`,
        `proscenium_4xx_errors_total${l('false')} ${n}`,
        `proscenium_5xx_errors_total${l('true')} ${2 * n}`,
        `proscenium_latency_seconds_sum${l('false')} ${0.004 * 100 * n}`,
        `proscenium_latency_seconds_count${l('false')} ${100 * n}`,
        `proscenium_latency_seconds_sum${l('true')} ${0.009 * 20 * n}`,
        `proscenium_latency_seconds_count${l('true')} ${20 * n}`,
        `proscenium_integration_latency_seconds_sum${l('false')} ${0.001 * 100 * n}`,
        `proscenium_integration_latency_seconds_count${l('false')} ${100 * n}`,
      ].join('\n') + '\n';
    };
    await page.route('**/_proscenium/metrics', (route) => route.fulfill({ contentType: 'text/plain; version=0.0.4', body: feed() }));
    await page.getByRole('tab', { name: 'Stage settings' }).click();
    await page.getByRole('tab', { name: 'Live traffic' }).click();
    await page.locator('.side.canary .spark polyline').first().waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.side.base .spark polyline').length === 2);
    await page.waitForTimeout(4500);
    const base = await page.locator('.side.base .stats').textContent();
    const canary = await page.locator('.side.canary .stats').textContent();
    assert.match(base, /X4(\.0)?avg latency ms/);
    assert.match(canary, /X9(\.0)?avg latency ms/);
    await screenshot('traffic-per-stage');
    await page.unroute('**/_proscenium/metrics');
  });

  await t.test('Canary: delete', async () => {
    await page.getByRole('tab', { name: 'Canary' }).click();
    await page.getByRole('button', { name: 'Delete canary' }).click();
    await dlg().getByRole('button', { name: 'Delete canary' }).click();
    await page.getByText('Stage prod has no canary.').waitFor();
    const stage = (await api('GET', `/restapis/${apiId}/stages/prod`)).json;
    assert.equal(stage.canarySettings, undefined);
  });

  await t.test('create and delete a stage', async () => {
    await page.getByRole('button', { name: 'Deploy API' }).click();
    const sel = dlg().getByLabel('Stage', { exact: true });
    await sel.and(page.locator(':enabled')).waitFor();
    await sel.selectOption('__new__');
    await dlg().getByLabel('Stage name').fill('scratch');
    await dlg().getByRole('button', { name: 'Deploy', exact: true }).click();
    await dlg().getByRole('button', { name: 'Done' }).click();
    await page.waitForURL(/\/stages\/scratch/);
    await page.getByRole('button', { name: 'Delete stage' }).click();
    await dlg().getByRole('button', { name: 'Delete stage' }).click();
    await page.locator('.stage-list li', { hasText: 'scratch' }).waitFor({ state: 'detached' });
    assert.equal((await api('GET', `/restapis/${apiId}/stages/scratch`)).status, 404);
  });

  await t.test('the APIs list shows the API', async () => {
    await page.getByRole('link', { name: 'APIs', exact: true }).first().click();
    await page.locator(`tr[data-api-id="${apiId}"]`).waitFor();
    await page.getByRole('button', { name: 'Create API' }).click();
    await dlg().getByLabel('API name').fill('short-lived');
    await dlg().getByRole('button', { name: 'Create API' }).click();
    await page.getByRole('heading', { name: 'Resources' }).waitFor();
    await page.getByRole('link', { name: 'APIs', exact: true }).first().click();
    await page.getByRole('button', { name: 'Delete API short-lived' }).click();
    await dlg().getByText('cannot be undone').waitFor();
    await dlg().getByRole('button', { name: 'Delete API' }).click();
    await page.getByRole('button', { name: 'Delete API short-lived' }).waitFor({ state: 'detached' });
    const apis = (await api('GET', '/restapis')).json.item.map((a) => a.name);
    assert.deepEqual(apis, ['console-e2e']);
    await screenshot('apis');
  });

  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
});
