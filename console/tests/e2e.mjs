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
// Screenshots and server logs (run.sh sets ARTIFACTS_DIR; see console/README.md).
const ARTIFACTS = process.env.ARTIFACTS_DIR || join(here, '..', '..', 'target', 'ci-artifacts', 'console');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const CREDS = { accessKeyId: 'AKIDCONSOLETEST', secretAccessKey: 'console-e2e-secret', region: 'us-east-1' };

let server, dataDir, port, base, browser, page, lambda;
// What the fake Lambda endpoint was asked (authorizer events).
const lambdaEvents = [];
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
  // A fake Lambda Invoke endpoint for the authorizer function: the token "allow-me" is allowed
  // (principal user-1), anything else gets the function's "Unauthorized" error.
  lambda = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      const event = JSON.parse(data || '{}');
      lambdaEvents.push({ url: req.url, event });
      const token = event.authorizationToken ?? event.headers?.Authorization;
      if (token === 'allow-me') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({
          principalId: 'user-1',
          policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }] },
          context: { tier: 'gold' },
        }));
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' });
        res.end(JSON.stringify({ errorMessage: 'Unauthorized' }));
      }
    });
  });
  await new Promise((r) => lambda.listen(0, '127.0.0.1', r));
  server = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir], {
    env: { ...process.env, PROSCENIUM_ACCESS_KEY_ID: CREDS.accessKeyId, PROSCENIUM_SECRET_ACCESS_KEY: CREDS.secretAccessKey, RUST_LOG: 'warn',
      PROSCENIUM_LAMBDA_ENDPOINT: `http://127.0.0.1:${lambda.address().port}` },
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
  if (lambda) lambda.close();
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
    // A "new" stage named like an existing one is pointed out before deploying.
    const sel = dlg().getByLabel('Stage', { exact: true });
    await sel.and(page.locator(':enabled')).waitFor();
    await sel.selectOption('__new__');
    await dlg().getByLabel('Stage name').fill('prod');
    await dlg().locator('.stage-exists', { hasText: 'Stage prod already exists' }).waitFor();
    await dlg().getByLabel('Stage name').fill('prod2');
    await dlg().locator('.stage-exists').waitFor({ state: 'hidden' });
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
    assert.equal(await flashText(/now serves/), `✓ Stage prod now serves deployment ${first}.`);
    await page.locator(`tr.active[data-deployment-id="${first}"]`).waitFor();
    await screenshot('history-after-rollback');
    // The deployment the stage serves cannot be deleted: the button says why before asking.
    await page.locator(`tr[data-deployment-id="${first}"]`).getByRole('radio').check();
    assert.equal(await page.getByRole('button', { name: 'Delete deployment' }).isDisabled(), true);
    assert.equal(await page.locator('.delete-why').textContent(), 'Served by stage prod: it cannot be deleted');
    await screenshot('delete-active-deployment-guarded');
    await page.locator(`tr[data-deployment-id="${second}"]`).getByRole('radio').check();
    assert.equal(await page.getByRole('button', { name: 'Delete deployment' }).isDisabled(), false);
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
    assert.match(await err.textContent(), /Invalid stage variable name: bad-name\.  Please use names with only word characters\./);
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
    await flashText(/Override for GET \/hello saved\./);
    await page.getByRole('rowheader', { name: 'GET /hello' }).waitFor();
    const stage = (await api('GET', `/restapis/${apiId}/stages/prod`)).json;
    assert.equal(stage.methodSettings['hello/GET'].throttlingRateLimit, 7);
    await screenshot('method-overrides');
    // Choosing a method that has an override shows its current values.
    await page.getByLabel('Method', { exact: true }).selectOption('/items GET');
    assert.equal(await page.getByLabel('Throttling rate').inputValue(), '');
    await page.getByLabel('Method', { exact: true }).selectOption('/hello GET');
    assert.equal(await page.getByLabel('Throttling rate').inputValue(), '7');
  });

  await t.test('a tab switch whose fetch fails shows the error', async () => {
    await page.route(/\/restapis\/[^/]+\/deployments/, (r) => r.abort());
    await page.getByRole('tab', { name: 'Stage variables' }).click();
    const err = page.locator('.fetch-failed .error');
    await err.waitFor();
    assert.match(await err.textContent(), /could not be reached/);
    await page.unroute(/\/restapis\/[^/]+\/deployments/);
    await page.getByRole('tab', { name: 'Stage variables' }).click();
    await err.waitFor({ state: 'detached' });
  });

  await t.test('Deployment diff compares what the two deployments froze', async () => {
    await page.getByRole('tab', { name: 'Deployment diff' }).click();
    // By default the older deployment is "from", even when the active one is the older.
    assert.equal(await page.getByLabel('From (older)').inputValue(), first);
    assert.equal(await page.getByLabel('To (newer)').inputValue(), second);
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
    await flashText(/Canary percentage set to 50%\./);
    await page.locator('.canary-percent', { hasText: '50%' }).waitFor();
    await screenshot('canary');

    // The overrides stay editable after creation.
    let ovForm = page.locator('form.canary-overrides');
    await ovForm.getByLabel('Override value').first().fill('teal');
    await ovForm.getByRole('button', { name: 'Add override' }).click();
    await ovForm.getByLabel('Variable name').last().fill('size');
    await ovForm.getByLabel('Override value').last().fill('xl');
    await ovForm.getByRole('button', { name: 'Save overrides' }).click();
    await flashText(/Canary overrides saved/);
    await page.locator('.canary dd', { hasText: 'size' }).waitFor();
    stage = (await api('GET', `/restapis/${apiId}/stages/prod`)).json;
    assert.deepEqual(stage.canarySettings.stageVariableOverrides, { color: 'teal', size: 'xl' });
    ovForm = page.locator('form.canary-overrides');
    await ovForm.getByLabel('Override value').first().fill('green');
    await ovForm.getByRole('button', { name: 'Remove this override' }).last().click();
    await ovForm.getByRole('button', { name: 'Save overrides' }).click();
    await page.locator('.canary dd', { hasText: 'size' }).waitFor({ state: 'detached' });
    stage = (await api('GET', `/restapis/${apiId}/stages/prod`)).json;
    assert.deepEqual(stage.canarySettings.stageVariableOverrides, { color: 'green' });

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
    // The search narrows the list as one types.
    await page.getByLabel('Search APIs').fill('no-such-api');
    await page.getByText('No API matches.').waitFor();
    assert.equal(await page.locator(`tr[data-api-id="${apiId}"]`).isVisible(), false);
    await page.getByLabel('Search APIs').fill(apiId);
    await page.locator(`tr[data-api-id="${apiId}"]`).waitFor();
    assert.equal(await page.getByText('No API matches.').isVisible(), false);
    await page.getByLabel('Search APIs').fill('');
  });

  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
});

// Calls a deployed stage (path style) and returns {status, text}.
async function call(apiId, stage, resource, headers = {}) {
  const r = await fetch(`${base}/restapis/${apiId}/${stage}/_user_request_${resource}`, { headers });
  return { status: r.status, text: await r.text() };
}

const focusInDialog = () => page.evaluate(() => Boolean(document.activeElement?.closest('dialog')));
const flashText = async (re) => {
  const f = page.locator('#flash', { hasText: re });
  await f.waitFor();
  return f.textContent();
};

test('access control: authorizers, method authorization, resource policy', async (t) => {
  let apiId, authorizerId;
  const FN = 'arn:aws:lambda:us-east-1:123456789012:function:gatekeeper-fn';
  const URI = `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${FN}/invocations`;

  const deployProd = async () => {
    await page.getByRole('button', { name: 'Deploy API' }).click();
    const sel = dlg().getByLabel('Stage', { exact: true });
    await sel.and(page.locator(':enabled')).waitFor();
    if (await sel.locator('option[value="prod"]').count()) await sel.selectOption('prod');
    else {
      await sel.selectOption('__new__');
      await dlg().getByLabel('Stage name').fill('prod');
    }
    await dlg().getByRole('button', { name: 'Deploy', exact: true }).click();
    await dlg().getByRole('button', { name: 'Done' }).click();
    await page.waitForURL(/\/stages\/prod/);
  };
  const openApiSection = async (name, heading) => {
    await page.goto(`${base}/_proscenium/console#/apis/${apiId}`);
    await page.getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { name: heading, exact: true }).waitFor();
  };

  await t.test('set up an API with a MOCK GET /pets through the console', async () => {
    await page.goto(`${base}/_proscenium/console#/apis`);
    await page.getByRole('button', { name: 'Create API' }).click();
    await dlg().getByLabel('API name').fill('access-e2e');
    await dlg().getByRole('button', { name: 'Create API' }).click();
    await page.waitForURL(/#\/apis\/[a-z0-9]+$/);
    apiId = decodeURIComponent(page.url().split('#/apis/')[1]);
    await page.getByLabel('Resource path').fill('/pets');
    await page.getByLabel('Response body (application/json)').fill('{"pets": []}');
    await page.getByRole('button', { name: 'Save MOCK method' }).click();
    await page.locator('li[data-path="/pets"] .method[data-method="GET"]').waitFor();
    assert.match(await page.locator('li[data-path="/pets"] .method[data-method="GET"] .auth').textContent(), /^auth NONE$/);
  });

  await t.test('Authorizers: create a TOKEN authorizer; AWS refusals show next to the form', async () => {
    await openApiSection('Authorizers', 'Authorizers');
    await page.getByText('No authorizers yet.').waitFor();
    await page.getByRole('button', { name: 'Create authorizer' }).click();
    await dlg().getByRole('heading', { name: 'Create authorizer' }).waitFor();
    assert.ok(await focusInDialog(), 'focus moves into the dialog');
    assert.equal(await page.evaluate(() => document.activeElement.name), 'name');
    // A pasted function ARN becomes the authorizer URI.
    await dlg().getByLabel('Lambda function ARN').fill(FN);
    assert.equal(await dlg().locator('.built-uri').textContent(), URI);
    // No name: AWS's own validation message, in the dialog.
    await dlg().getByRole('button', { name: 'Create authorizer' }).click();
    const err = dlg().locator('.error');
    await err.waitFor();
    assert.match(await err.textContent(), /Value null at 'createAuthorizerInput\.name' failed to satisfy constraint/);
    await screenshot('authorizer-create-refused');
    // Not a function ARN: said before anything is sent.
    await dlg().getByLabel('Name', { exact: true }).fill('gatekeeper');
    await dlg().getByLabel('Lambda function ARN').fill('gatekeeper-fn');
    await dlg().getByRole('button', { name: 'Create authorizer' }).click();
    await dlg().locator('.error', { hasText: 'Enter a Lambda function ARN' }).waitFor();
    assert.equal((await api('GET', `/restapis/${apiId}/authorizers`)).json.item.length, 0);
    await dlg().getByLabel('Lambda function ARN').fill(FN);
    assert.equal(await dlg().getByLabel('Identity source').inputValue(), 'method.request.header.Authorization');
    assert.equal(await dlg().getByLabel('Result cache TTL (seconds)').inputValue(), '300');
    await dlg().getByLabel('Token validation (regular expression, optional)').fill('^allow');
    await dlg().getByLabel('Result cache TTL (seconds)').fill('0');
    await screenshot('authorizer-create');
    await dlg().getByRole('button', { name: 'Create authorizer' }).click();
    await dlg().waitFor({ state: 'detached' });
    assert.match(await flashText(/created/), /Authorizer gatekeeper created\./);
    const row = page.locator('tr[data-name="gatekeeper"]');
    await row.waitFor();
    assert.match(await row.textContent(), /TOKEN.*method\.request\.header\.Authorization.*\^allow.*gatekeeper-fn.*0 s/);
    const list = (await api('GET', `/restapis/${apiId}/authorizers`)).json.item;
    assert.equal(list.length, 1);
    const a = list[0];
    authorizerId = a.id;
    assert.deepEqual({ name: a.name, type: a.type, uri: a.authorizerUri, src: a.identitySource, re: a.identityValidationExpression, ttl: a.authorizerResultTtlInSeconds },
      { name: 'gatekeeper', type: 'TOKEN', uri: URI, src: 'method.request.header.Authorization', re: '^allow', ttl: 0 });
    await screenshot('authorizers');
  });

  await t.test('Authorizers: edit sends UpdateAuthorizer operations', async () => {
    await page.getByRole('button', { name: 'Edit gatekeeper' }).click();
    await dlg().getByRole('heading', { name: 'Edit authorizer gatekeeper' }).waitFor();
    assert.ok(await focusInDialog());
    assert.equal(await dlg().getByLabel('Lambda function ARN').inputValue(), FN, 'the function ARN is shown, not the URI');
    await dlg().getByLabel('Name', { exact: true }).fill('doorman');
    await dlg().getByLabel('Token validation (regular expression, optional)').fill('allow-[a-z]+');
    await dlg().getByRole('button', { name: 'Save authorizer' }).click();
    await dlg().waitFor({ state: 'detached' });
    assert.match(await flashText(/saved/), /Authorizer doorman saved\./);
    await page.locator('tr[data-name="doorman"]').waitFor();
    const a = (await api('GET', `/restapis/${apiId}/authorizers/${authorizerId}`)).json;
    assert.equal(a.name, 'doorman');
    assert.equal(a.identityValidationExpression, 'allow-[a-z]+');
    assert.equal(a.authorizerUri, URI);
    assert.equal(a.authorizerResultTtlInSeconds, 0);
  });

  await t.test('Authorizers: Test shows the answer, or says plainly that this gateway cannot test', async (tt) => {
    await page.getByRole('button', { name: 'Test doorman' }).click();
    await dlg().getByRole('heading', { name: 'Test authorizer doorman' }).waitFor();
    assert.ok(await focusInDialog());
    await dlg().getByLabel('Token (header Authorization)').fill('allow-me');
    await dlg().getByRole('button', { name: 'Test', exact: true }).click();
    await dlg().locator('.test-result .client-status, .not-implemented').first().waitFor();
    await screenshot('authorizer-test');
    if (await dlg().locator('.not-implemented').count()) {
      const note = await dlg().locator('.not-implemented').textContent();
      assert.match(note, /cannot test authorizers yet/);
      assert.match(note, /501 Not Implemented/);
      const direct = await api('POST', `/restapis/${apiId}/authorizers/${authorizerId}`, { headers: { Authorization: 'allow-me' } });
      assert.equal(direct.status, 501);
      await page.keyboard.press('Escape');
      await dlg().waitFor({ state: 'detached' });
      tt.skip('TestInvokeAuthorizer answers 501 NotImplemented in this build: only the message shown for it is checked');
      return;
    }
    assert.equal(await dlg().locator('.client-status').textContent(), '200');
    assert.equal(await dlg().locator('.principal').textContent(), 'user-1');
    assert.match(await dlg().locator('.policy-out').textContent(), /\n {2}"Statement": \[\n/);
    assert.ok((await dlg().locator('.log-out').textContent()).length > 0);
    // A token the validation expression refuses: 401, and no principal.
    await dlg().getByLabel('Token (header Authorization)').fill('nope');
    await dlg().getByRole('button', { name: 'Test', exact: true }).click();
    await dlg().locator('.client-status', { hasText: '401' }).waitFor();
    assert.equal(await dlg().locator('.principal').count(), 0);
    await page.keyboard.press('Escape');
    await dlg().waitFor({ state: 'detached' });
  });

  await t.test('Authorizers: a test result is shown as status, principal, pretty policy and log (synthetic answer)', async () => {
    // The rendering of a TestInvokeAuthorizer answer, whatever this build's answer is.
    const answer = {
      clientStatus: 200, principalId: 'user-9', latency: 12, log: 'Execution log for request x\nAuthorizer result: allowed',
      policy: '{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:us-east-1:1:a/*"}]}',
      authorization: { tier: ['gold'] }, claims: {},
    };
    const route = `**/restapis/${apiId}/authorizers/${authorizerId}`;
    await page.route(route, (r) => (r.request().method() === 'POST'
      ? r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(answer) }) : r.fallback()));
    await page.getByRole('button', { name: 'Test doorman' }).click();
    await dlg().getByLabel('Token (header Authorization)').fill('allow-me');
    await dlg().getByRole('button', { name: 'Test', exact: true }).click();
    await dlg().locator('.client-status').waitFor();
    assert.equal(await dlg().locator('.client-status').textContent(), '200');
    assert.equal(await dlg().locator('.principal').textContent(), 'user-9');
    assert.equal(await dlg().locator('.policy-out').textContent(), JSON.stringify(JSON.parse(answer.policy), null, 2));
    assert.equal(await dlg().locator('.log-out').textContent(), answer.log);
    assert.match(await dlg().locator('.test-result').textContent(), /12 ms/);
    await screenshot('authorizer-test-result');
    await page.keyboard.press('Escape');
    await dlg().waitFor({ state: 'detached' });
    await page.unroute(route);
  });

  await t.test('method authorization: changed in the resource tree, checked with GetMethod, enforced after a deploy', async () => {
    await openApiSection('Resources', 'Resources');
    const method = page.locator('li[data-path="/pets"] .method[data-method="GET"]');
    await method.getByRole('button', { name: 'Authorization of GET /pets' }).click();
    await dlg().getByRole('heading', { name: 'Authorization of GET /pets' }).waitFor();
    assert.ok(await focusInDialog());
    // A Cognito method without a Cognito authorizer: AWS refuses, the dialog says why.
    await dlg().getByLabel('Authorization', { exact: true }).selectOption('COGNITO_USER_POOLS');
    await dlg().getByText('This API has no Cognito user pool authorizer yet.').waitFor();
    await dlg().getByRole('button', { name: 'Save authorization' }).click();
    await dlg().locator('.error', { hasText: 'Invalid authorizer ID specified' }).waitFor();
    await screenshot('method-auth-refused');
    await dlg().getByLabel('Authorization', { exact: true }).selectOption('CUSTOM');
    assert.equal(await dlg().getByLabel('Authorizer', { exact: true }).inputValue(), authorizerId);
    await screenshot('method-auth-dialog');
    await dlg().getByRole('button', { name: 'Save authorization' }).click();
    await dlg().waitFor({ state: 'detached' });
    assert.match(await flashText(/Authorization of GET/), /saved: CUSTOM \(doorman\)/);
    await page.locator('li[data-path="/pets"] .method[data-method="GET"] .auth', { hasText: 'auth CUSTOM (doorman)' }).waitFor();
    let m = (await api('GET', `/restapis/${apiId}/resources/${await resourceId('/pets')}/methods/GET`)).json;
    assert.equal(m.authorizationType, 'CUSTOM');
    assert.equal(m.authorizerId, authorizerId);
    await screenshot('resources-with-auth');

    await deployProd();
    assert.equal((await call(apiId, 'prod', '/pets')).status, 401, 'no token');
    assert.equal((await call(apiId, 'prod', '/pets', { authorization: 'nope' })).status, 401, 'token not matching allow-[a-z]+');
    const okCall = await call(apiId, 'prod', '/pets', { authorization: 'allow-me' });
    assert.equal(okCall.status, 200, okCall.text);
    assert.deepEqual(JSON.parse(okCall.text), { pets: [] });
    // The function the pasted ARN names got the TOKEN event with the token.
    assert.ok(lambdaEvents.some((e) => decodeURIComponent(e.url).includes('gatekeeper-fn') && e.event.type === 'TOKEN'
      && e.event.authorizationToken === 'allow-me'), JSON.stringify(lambdaEvents.map((e) => e.url)));

    // API key required on, then the method back to NONE.
    await openApiSection('Resources', 'Resources');
    await page.getByRole('button', { name: 'Authorization of GET /pets' }).click();
    await dlg().getByLabel('API key required').check();
    await dlg().getByRole('button', { name: 'Save authorization' }).click();
    await dlg().waitFor({ state: 'detached' });
    await page.locator('li[data-path="/pets"] .method[data-method="GET"] .badge.key').waitFor();
    m = (await api('GET', `/restapis/${apiId}/resources/${await resourceId('/pets')}/methods/GET`)).json;
    assert.equal(m.apiKeyRequired, true);
    await page.getByRole('button', { name: 'Authorization of GET /pets' }).click();
    await dlg().getByLabel('Authorization', { exact: true }).selectOption('NONE');
    await dlg().getByLabel('API key required').uncheck();
    await dlg().getByRole('button', { name: 'Save authorization' }).click();
    await dlg().waitFor({ state: 'detached' });
    await page.locator('li[data-path="/pets"] .method[data-method="GET"] .auth', { hasText: /^auth NONE$/ }).waitFor();
    m = (await api('GET', `/restapis/${apiId}/resources/${await resourceId('/pets')}/methods/GET`)).json;
    assert.equal(m.authorizationType, 'NONE');
    assert.equal(m.authorizerId, undefined);
    assert.equal(m.apiKeyRequired, false);
  });

  async function resourceId(p) {
    return (await api('GET', `/restapis/${apiId}/resources`)).json.item.find((r) => r.path === p).id;
  }

  await t.test('resource policy: checked before saving, saved, applied by a redeploy, removed', async () => {
    await openApiSection('Resource policy', 'Resource policy');
    await page.getByText('This API has no resource policy.').waitFor();
    assert.match(await page.locator('.note.redeploy').textContent(), /Takes effect after a redeploy/);
    assert.equal(await page.getByRole('button', { name: 'Remove policy' }).isDisabled(), true);
    const text = page.getByLabel('Policy document (JSON)');
    // Broken JSON: pointed at, and nothing is sent.
    await text.fill('{\n  "Version": "2012-10-17",\n  "Statement": [\n}');
    assert.equal(await page.locator('.json-status').textContent(), "JSON error at line 4, column 1: unexpected '}'");
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.locator('.policy-form .error', { hasText: 'not valid JSON' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.name), 'policy');
    await screenshot('policy-invalid-json');
    assert.equal((await api('GET', `/restapis/${apiId}`)).json.policy, undefined);
    // JSON but not a policy: AWS's answer.
    await text.fill('{"Statement": "nope"}');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.locator('.policy-form .error', { hasText: 'Invalid policy document' }).waitFor();
    // A template, with the caller's address left out of the allowed range.
    await page.getByRole('button', { name: 'Allow only some source IPs' }).click();
    assert.match(await text.inputValue(), /"NotIpAddress"/);
    assert.equal(await page.locator('.json-status').textContent(), 'Valid JSON.');
    await screenshot('policy-template');
    await page.getByRole('button', { name: 'Save policy' }).click();
    assert.match(await flashText(/Resource policy saved/), /Deploy the API to apply it/);
    await page.getByRole('button', { name: 'Remove policy' }).and(page.locator(':enabled')).waitFor();
    const stored = (await api('GET', `/restapis/${apiId}`)).json.policy;
    const policy = JSON.parse(stored);
    assert.deepEqual(policy.Statement[1].Condition.NotIpAddress['aws:SourceIp'], ['192.0.2.0/24', '198.51.100.7/32']);
    assert.match(policy.Statement[0].Resource, new RegExp(`^arn:aws:execute-api:us-east-1:\\d+:${apiId}/\\*$`));
    // What the page shows is the stored policy, pretty-printed.
    assert.equal(await text.inputValue(), JSON.stringify(policy, null, 2));
    await screenshot('policy-saved');
    // Only a deployment applies it: 200 before, 403 (the caller is not in the allowed range)
    // after. (The deployed method still has the Lambda authorizer, hence the token.)
    const withToken = { authorization: 'allow-me' };
    assert.equal((await call(apiId, 'prod', '/pets', withToken)).status, 200);
    await deployProd();
    const denied = await call(apiId, 'prod', '/pets', withToken);
    assert.equal(denied.status, 403, denied.text);

    await openApiSection('Resource policy', 'Resource policy');
    await page.getByRole('button', { name: 'Remove policy' }).click();
    await dlg().getByRole('heading', { name: 'Remove resource policy' }).waitFor();
    await dlg().getByRole('button', { name: 'Remove policy' }).click();
    assert.match(await flashText(/removed/), /Resource policy removed\./);
    await page.getByText('This API has no resource policy.').waitFor();
    assert.equal(await page.getByLabel('Policy document (JSON)').inputValue(), '');
    assert.equal((await api('GET', `/restapis/${apiId}`)).json.policy, undefined);
  });

  await t.test('Authorizers: REQUEST and Cognito user pool authorizers; a Cognito method', async () => {
    await openApiSection('Authorizers', 'Authorizers');
    // REQUEST: identity sources from a header and the query string.
    await page.getByRole('button', { name: 'Create authorizer' }).click();
    await dlg().getByLabel('Name', { exact: true }).fill('by-request');
    await dlg().getByLabel('Type').selectOption('REQUEST');
    assert.equal(await dlg().getByLabel('Token validation (regular expression, optional)').isVisible(), false);
    await dlg().getByLabel('Lambda function ARN').fill(FN);
    await dlg().getByLabel('Identity source').fill('method.request.header.X-User, method.request.querystring.key');
    await dlg().getByRole('button', { name: 'Create authorizer' }).click();
    await dlg().waitFor({ state: 'detached' });
    await page.locator('tr[data-name="by-request"]').waitFor();
    const req = (await api('GET', `/restapis/${apiId}/authorizers`)).json.item.find((a) => a.name === 'by-request');
    assert.deepEqual({ type: req.type, uri: req.authorizerUri, src: req.identitySource, re: req.identityValidationExpression },
      { type: 'REQUEST', uri: URI, src: 'method.request.header.X-User, method.request.querystring.key', re: undefined });
    // Its test request: a malformed header line is pointed out before anything is sent.
    await page.getByRole('button', { name: 'Test by-request' }).click();
    assert.equal(await dlg().getByLabel('Headers ("Name: value", one per line)').inputValue(), 'X-User: ');
    await dlg().getByLabel('Headers ("Name: value", one per line)').fill('X-User alice');
    await dlg().getByRole('button', { name: 'Test', exact: true }).click();
    await dlg().locator('.error', { hasText: 'Each line must look like "name: value": X-User alice' }).waitFor();
    await screenshot('authorizer-test-request-error');
    await page.keyboard.press('Escape');
    await dlg().waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Delete by-request' }).click();
    await dlg().getByRole('button', { name: 'Delete authorizer' }).click();
    await page.locator('tr[data-name="by-request"]').waitFor({ state: 'detached' });

    // Cognito: user pool ARNs, one added and one removed on edit.
    const pool = (n) => `arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Pool${n}`;
    await page.getByRole('button', { name: 'Create authorizer' }).click();
    await dlg().getByLabel('Name', { exact: true }).fill('pools');
    await dlg().getByLabel('Type').selectOption('COGNITO_USER_POOLS');
    assert.equal(await dlg().getByLabel('Lambda function ARN').isVisible(), false);
    await dlg().getByLabel('Cognito user pool ARNs (one per line)').fill(`${pool(1)}\n${pool(2)}`);
    await screenshot('authorizer-create-cognito');
    await dlg().getByRole('button', { name: 'Create authorizer' }).click();
    await dlg().waitFor({ state: 'detached' });
    await page.locator('tr[data-name="pools"]').waitFor();
    let cog = (await api('GET', `/restapis/${apiId}/authorizers`)).json.item.find((a) => a.name === 'pools');
    assert.equal(cog.type, 'COGNITO_USER_POOLS');
    assert.deepEqual(cog.providerARNs, [pool(1), pool(2)]);
    assert.equal(cog.authorizerUri, undefined);
    await page.getByRole('button', { name: 'Edit pools' }).click();
    await dlg().getByLabel('Cognito user pool ARNs (one per line)').fill(`${pool(2)}\n${pool(3)}`);
    await dlg().getByRole('button', { name: 'Save authorizer' }).click();
    await dlg().waitFor({ state: 'detached' });
    await flashText(/Authorizer pools saved/);
    cog = (await api('GET', `/restapis/${apiId}/authorizers/${cog.id}`)).json;
    assert.deepEqual(cog.providerARNs, [pool(2), pool(3)]);

    // GET /pets with the Cognito authorizer (no scopes), then back to NONE.
    await openApiSection('Resources', 'Resources');
    await page.getByRole('button', { name: 'Authorization of GET /pets' }).click();
    await dlg().getByLabel('Authorization', { exact: true }).selectOption('COGNITO_USER_POOLS');
    assert.equal(await dlg().getByLabel('Authorizer', { exact: true }).inputValue(), cog.id);
    await dlg().getByRole('button', { name: 'Save authorization' }).click();
    await dlg().waitFor({ state: 'detached' });
    await page.locator('li[data-path="/pets"] .method[data-method="GET"] .auth', { hasText: 'auth COGNITO_USER_POOLS (pools)' }).waitFor();
    let m = (await api('GET', `/restapis/${apiId}/resources/${await resourceId('/pets')}/methods/GET`)).json;
    assert.equal(m.authorizationType, 'COGNITO_USER_POOLS');
    assert.equal(m.authorizerId, cog.id);
    await page.getByRole('button', { name: 'Authorization of GET /pets' }).click();
    await dlg().getByLabel('Authorization', { exact: true }).selectOption('NONE');
    await dlg().getByRole('button', { name: 'Save authorization' }).click();
    await dlg().waitFor({ state: 'detached' });
    m = (await api('GET', `/restapis/${apiId}/resources/${await resourceId('/pets')}/methods/GET`)).json;
    assert.equal(m.authorizationType, 'NONE');

    await openApiSection('Authorizers', 'Authorizers');
    await page.getByRole('button', { name: 'Delete pools' }).click();
    await dlg().getByRole('button', { name: 'Delete authorizer' }).click();
    await page.locator('tr[data-name="pools"]').waitFor({ state: 'detached' });
  });

  await t.test('Authorizers: delete', async () => {
    await openApiSection('Authorizers', 'Authorizers');
    await page.getByRole('button', { name: 'Delete doorman' }).click();
    await dlg().getByRole('heading', { name: 'Delete authorizer' }).waitFor();
    await dlg().getByRole('button', { name: 'Delete authorizer' }).click();
    assert.match(await flashText(/doorman deleted/), /Authorizer doorman deleted\./);
    await page.getByText('No authorizers yet.').waitFor();
    assert.equal((await api('GET', `/restapis/${apiId}/authorizers`)).json.item.length, 0);
    assert.equal((await api('GET', `/restapis/${apiId}/authorizers/${authorizerId}`)).status, 404);
    await screenshot('authorizers-empty');
  });

  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
});

test('API keys and usage plans: keys, import, a plan with a stage, enforcement and the usage chart', async (t) => {
  let apiId, keyId;
  const VALUE = 'partner-one-secret-value-0123456789';
  const row = (name) => page.locator(`table.keys tr[data-name="${name}"]`);

  await t.test('API keys: create through the UI (a short custom value is refused first)', async () => {
    await page.goto(`${base}/_proscenium/console#/apis`);
    if (await page.getByRole('heading', { name: 'Sign in to this gateway' }).isVisible().catch(() => false)) {
      await page.getByLabel('Access key ID').fill(CREDS.accessKeyId);
      await page.getByLabel('Secret access key').fill(CREDS.secretAccessKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }
    await page.getByRole('heading', { name: 'APIs', exact: true }).waitFor();
    await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys', exact: true }).waitFor();
    assert.equal(await page.locator('.topbar nav a[aria-current="page"]').textContent(), 'API keys');
    await page.getByText('No API keys yet.').waitFor();
    await page.getByRole('button', { name: 'Create API key' }).click();
    await dlg().getByRole('heading', { name: 'Create API key' }).waitFor();
    assert.ok(await focusInDialog(), 'focus moves into the dialog');
    await dlg().getByLabel('Name').fill('partner-one');
    await dlg().getByLabel('Description').fill('first partner');
    await dlg().getByLabel('API key value (optional)').fill('too-short');
    await dlg().getByLabel('Customer ID (optional)').fill('cust-1');
    await dlg().getByRole('button', { name: 'Create API key' }).click();
    await dlg().locator('.error', { hasText: 'needs at least 20 characters' }).waitFor();
    assert.equal((await api('GET', '/apikeys')).json.item.length, 0, 'nothing sent');
    await dlg().getByLabel('API key value (optional)').fill(VALUE);
    await screenshot('apikey-create');
    await dlg().getByRole('button', { name: 'Create API key' }).click();
    await dlg().waitFor({ state: 'detached' });
    assert.match(await flashText(/created/), /API key partner-one created\./);
    await row('partner-one').waitFor();
    assert.match(await row('partner-one').textContent(), /partner-one.*first partner.*Enabled.*cust-1/);
    const keys = (await api('GET', '/apikeys')).json.item;
    assert.equal(keys.length, 1);
    keyId = keys[0].id;
    assert.deepEqual({ name: keys[0].name, enabled: keys[0].enabled, customerId: keys[0].customerId }, { name: 'partner-one', enabled: true, customerId: 'cust-1' });
    assert.equal(keys[0].value, undefined, 'GetApiKeys leaves the value out');
  });

  await t.test('API keys: reveal the value, disable and enable', async () => {
    assert.equal(await row('partner-one').locator('.key-secret').count(), 0, 'hidden until asked');
    await page.getByRole('button', { name: 'Show the value of partner-one' }).click();
    await row('partner-one').locator('.key-secret').waitFor();
    assert.equal(await row('partner-one').locator('.key-secret').textContent(), VALUE);
    await row('partner-one').getByRole('button', { name: /^Copy key/ }).click();
    await row('partner-one').getByRole('button', { name: /^Copy key/, hasText: 'Copied' }).waitFor();
    await screenshot('apikey-revealed');
    await page.getByRole('button', { name: 'Disable partner-one' }).click();
    assert.match(await flashText(/disabled/), /API key partner-one disabled\./);
    await row('partner-one').locator('.badge', { hasText: 'Disabled' }).waitFor();
    assert.equal((await api('GET', `/apikeys/${keyId}`)).json.enabled, false);
    await page.getByRole('button', { name: 'Enable partner-one' }).click();
    assert.match(await flashText(/enabled/), /API key partner-one enabled\./);
    await row('partner-one').locator('.badge', { hasText: 'Enabled' }).waitFor();
    assert.equal((await api('GET', `/apikeys/${keyId}`)).json.enabled, true);
  });

  await t.test('API keys: import two keys from CSV; the refused line is a warning', async () => {
    await page.getByRole('button', { name: 'Import from CSV' }).click();
    await dlg().getByRole('heading', { name: 'Import API keys from CSV' }).waitFor();
    assert.ok(await focusInDialog());
    // A chosen file fills the text (and is summarised) like a paste.
    await dlg().getByLabel('…or choose a file').setInputFiles({ name: 'keys.csv', mimeType: 'text/csv', buffer: Buffer.from('key,name\nfrom-file-value-0123456789abcdef,from-file\n') });
    await dlg().locator('.csv-summary', { hasText: '1 key to import; columns key, name.' }).waitFor();
    assert.equal(await dlg().getByLabel('CSV (paste here)').inputValue(), 'key,name\nfrom-file-value-0123456789abcdef,from-file\n');
    await dlg().getByLabel('CSV (paste here)').fill('Name,Key,Owner\nx,y,z');
    assert.equal(await dlg().locator('.csv-summary').textContent(), 'Unknown column "owner": use Name, Key, Description, Enabled, UsagePlanIds.');
    await dlg().getByLabel('CSV (paste here)').fill('Name,Key,Description,Enabled\nimported-a,imported-a-value-0123456789abc,"from CSV, quoted",true\nimported-b,imported-b-value-0123456789abc,,false\nbad-line,short,,true\n');
    assert.equal(await dlg().locator('.csv-summary').textContent(), '3 keys to import; columns name, key, description, enabled.');
    // With "fail on warnings", AWS refuses the whole file and nothing is imported.
    await dlg().getByLabel(/Fail on warnings/).check();
    await dlg().getByRole('button', { name: 'Import', exact: true }).click();
    await dlg().locator('.error', { hasText: 'Line 4' }).waitFor();
    assert.equal((await api('GET', '/apikeys')).json.item.length, 1);
    await dlg().getByLabel(/Fail on warnings/).uncheck();
    await dlg().getByRole('button', { name: 'Import', exact: true }).click();
    await dlg().locator('.import-result').waitFor();
    assert.match(await dlg().locator('.import-result').textContent(), /2 keys imported\./);
    assert.equal(await dlg().locator('.import-result ul.ids li').count(), 2);
    assert.match(await dlg().locator('ul.warnings').textContent(), /^Line 4: /);
    await screenshot('apikey-import');
    await dlg().getByRole('button', { name: 'Close' }).click();
    await row('imported-a').waitFor();
    await row('imported-b').locator('.badge', { hasText: 'Disabled' }).waitFor();
    const names = (await api('GET', '/apikeys')).json.item.map((k) => k.name).sort();
    assert.deepEqual(names, ['imported-a', 'imported-b', 'partner-one']);
    await screenshot('apikeys');
  });

  await t.test('an API with GET /items that requires an API key, deployed through the console', async () => {
    await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'APIs' }).click();
    await page.getByRole('button', { name: 'Create API' }).click();
    await dlg().getByLabel('API name').fill('keys-e2e');
    await dlg().getByRole('button', { name: 'Create API' }).click();
    await page.waitForURL(/#\/apis\/[a-z0-9]+$/);
    apiId = decodeURIComponent(page.url().split('#/apis/')[1]);
    await page.getByLabel('Resource path').fill('/items');
    await page.getByLabel('Response body (application/json)').fill('{"items": [1, 2]}');
    await page.getByRole('button', { name: 'Save MOCK method' }).click();
    await page.getByRole('button', { name: 'Authorization of GET /items' }).click();
    await dlg().getByLabel('API key required').check();
    await dlg().getByRole('button', { name: 'Save authorization' }).click();
    await dlg().waitFor({ state: 'detached' });
    await page.locator('li[data-path="/items"] .method[data-method="GET"] .badge.key').waitFor();
    const res = (await api('GET', `/restapis/${apiId}/resources`)).json.item.find((r) => r.path === '/items');
    assert.equal((await api('GET', `/restapis/${apiId}/resources/${res.id}/methods/GET`)).json.apiKeyRequired, true);
    await page.getByRole('button', { name: 'Deploy API' }).click();
    const sel = dlg().getByLabel('Stage', { exact: true });
    await sel.and(page.locator(':enabled')).waitFor();
    await sel.selectOption('__new__');
    await dlg().getByLabel('Stage name').fill('prod');
    await dlg().getByRole('button', { name: 'Deploy', exact: true }).click();
    await dlg().getByRole('button', { name: 'Done' }).click();
    await page.waitForURL(/\/stages\/prod/);
    assert.equal((await call(apiId, 'prod', '/items')).status, 403, 'no key, no plan');
  });

  let planId;
  await t.test('Usage plans: create a plan with a quota and throttle (a refused one first)', async () => {
    await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Usage plans' }).click();
    await page.getByRole('heading', { name: 'Usage plans', exact: true }).waitFor();
    await page.getByText('No usage plans yet.').waitFor();
    await page.getByRole('button', { name: 'Create usage plan' }).click();
    await dlg().getByRole('heading', { name: 'Create usage plan' }).waitFor();
    assert.ok(await focusInDialog());
    // An offset past the period's end: AWS refuses it in the dialog, and nothing is created.
    await dlg().getByLabel('Name').fill('gold');
    await dlg().getByLabel('Quota limit (requests)').fill('100');
    await dlg().getByLabel('Quota period').selectOption('WEEK');
    await dlg().getByLabel('Quota offset (days into the period)').fill('9');
    await dlg().getByRole('button', { name: 'Create usage plan' }).click();
    await dlg().locator('.error', { hasText: 'Quota offset must be between 0 and 6 for period WEEK.' }).waitFor();
    assert.equal((await api('GET', '/usageplans')).json.item.length, 0);
    await dlg().getByLabel('Quota offset (days into the period)').fill('0');
    await dlg().getByLabel('Description').fill('for partners');
    await dlg().getByLabel('Throttle rate (requests per second)').fill('50');
    await dlg().getByLabel('Throttle burst (requests)').fill('100');
    await dlg().getByLabel('Quota limit (requests)').fill('100');
    await dlg().getByLabel('Quota period').selectOption('DAY');
    await screenshot('plan-create');
    await dlg().getByRole('button', { name: 'Create usage plan' }).click();
    await dlg().waitFor({ state: 'detached' });
    assert.match(await flashText(/created/), /Usage plan gold created\./);
    await page.waitForURL(/#\/usageplans\/[^/]+$/);
    planId = decodeURIComponent(page.url().split('#/usageplans/')[1]);
    await page.getByRole('heading', { name: /^gold/, level: 1 }).waitFor();
    const p = (await api('GET', `/usageplans/${planId}`)).json;
    assert.deepEqual({ name: p.name, description: p.description, throttle: p.throttle, quota: p.quota },
      { name: 'gold', description: 'for partners', throttle: { rateLimit: 50, burstLimit: 100 }, quota: { limit: 100, offset: 0, period: 'DAY' } });
  });

  await t.test('Usage plans: edit settings (UpdateUsagePlan operations)', async () => {
    const form = page.locator('form.plan-settings');
    // AWS's refusal shows next to the form, and nothing changes.
    await form.getByLabel('Quota offset (days into the period)').fill('3');
    await form.getByRole('button', { name: 'Save plan' }).click();
    await form.locator('.error', { hasText: 'Quota offset must be between 0 and 0 for period DAY.' }).waitFor();
    assert.equal((await api('GET', `/usageplans/${planId}`)).json.quota.offset, 0);
    await screenshot('plan-settings-refused');
    await form.getByLabel('Quota offset (days into the period)').fill('0');
    await form.getByLabel('Throttle burst (requests)').fill('');
    await form.getByLabel('Description').fill('for partners (edited)');
    await form.getByRole('button', { name: 'Save plan' }).click();
    assert.match(await flashText(/saved/), /Usage plan gold saved\./);
    const p = (await api('GET', `/usageplans/${planId}`)).json;
    assert.equal(p.description, 'for partners (edited)');
    assert.deepEqual(p.throttle, { rateLimit: 50 });
  });

  await t.test('Usage plans: add the API stage and a method throttle', async () => {
    const form = page.locator('form.add-stage');
    await form.getByLabel('API').selectOption(apiId);
    await form.getByLabel('Stage').and(page.locator(':enabled')).waitFor();
    await form.getByLabel('Stage').selectOption('prod');
    await form.getByRole('button', { name: 'Add API stage' }).click();
    assert.match(await flashText(/added/), /API stage keys-e2e prod added\./);
    await page.locator(`tr[data-api-stage="${apiId}:prod"]`).waitFor();
    await page.getByRole('button', { name: 'Method throttle on keys-e2e prod' }).click();
    await dlg().getByRole('heading', { name: 'Method throttle on keys-e2e prod' }).waitFor();
    assert.ok(await focusInDialog());
    await dlg().getByLabel('Resource').locator('option[value="/items"]').waitFor({ state: 'attached' });
    await dlg().getByLabel('Resource').selectOption('/items');
    await dlg().getByLabel('Method').selectOption('GET');
    await dlg().getByLabel('Rate (requests per second)').fill('20');
    await dlg().getByLabel('Burst (requests)').fill('40');
    await dlg().getByRole('button', { name: 'Save throttle' }).click();
    await dlg().waitFor({ state: 'detached' });
    await page.locator('li.method-throttle[data-key="/items/GET"]', { hasText: '20 req/s, burst 40' }).waitFor();
    const p = (await api('GET', `/usageplans/${planId}`)).json;
    assert.deepEqual(p.apiStages, [{ apiId, stage: 'prod', throttle: { '/items/GET': { rateLimit: 20, burstLimit: 40 } } }]);
  });

  await t.test('Usage plans: add the key; the stage answers 403 without it, 200 with it', async () => {
    const form = page.locator('form.add-key');
    await form.getByLabel('API key').selectOption(keyId);
    await form.getByRole('button', { name: 'Add key' }).click();
    assert.match(await flashText(/added to gold/), /Key partner-one added to gold\./);
    await page.locator(`table.plan-keys tr[data-key-id="${keyId}"]`).waitFor();
    assert.deepEqual((await api('GET', `/usageplans/${planId}/keys`)).json.item.map((k) => k.id), [keyId]);
    await screenshot('plan');
    assert.equal((await call(apiId, 'prod', '/items')).status, 403, 'without the key');
    assert.equal((await call(apiId, 'prod', '/items', { 'x-api-key': 'imported-a-value-0123456789abc' })).status, 403, 'a key outside the plan');
    for (let i = 0; i < 3; i++) {
      const r = await call(apiId, 'prod', '/items', { 'x-api-key': VALUE });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(JSON.parse(r.text), { items: [1, 2] });
    }
  });

  await t.test('Usage plans: the usage chart shows the requests; Adjust remaining', async () => {
    const fig = page.locator(`figure.key-usage[data-key-id="${keyId}"]`);
    // Counts reach the store within about a second: refresh until they show.
    let total = '';
    for (let i = 0; i < 20 && total !== '3 requests'; i++) {
      await page.waitForTimeout(500);
      await page.locator('section.usage').getByRole('button', { name: 'Refresh' }).click();
      await fig.waitFor();
      total = await fig.locator('.usage-total').textContent();
    }
    assert.equal(total, '3 requests');
    assert.equal(await fig.locator('.usage-remaining').textContent(), '97 remaining');
    const chart = fig.locator('svg.bars');
    assert.match(await chart.getAttribute('aria-label'), /Requests per day of partner-one, .* 3 in all, 97 remaining/);
    assert.deepEqual(await chart.locator('text.r-tick').allTextContents(), ['0', '100'], 'remaining on its own axis, up to the quota');
    assert.equal(await chart.locator('circle.remaining-dot').count(), 7);
    assert.equal(await chart.locator('rect.bar').count(), 7, 'one bar per day of the last 7');
    assert.deepEqual(await chart.locator('text.value').allTextContents(), ['3'], 'today\'s bar is labelled 3');
    assert.deepEqual(await chart.locator('text.y-tick').allTextContents(), ['0', '2', '3']);
    const today = new Date().toISOString().slice(0, 10);
    assert.equal(await chart.locator('text.x-tick').last().textContent(), today.slice(5));
    await fig.locator('summary').click();
    assert.deepEqual(await fig.locator(`tr[data-date="${today}"] td`).allTextContents(), [today, '3', '97']);
    await screenshot('plan-usage');
    const direct = (await api('GET', `/usageplans/${planId}/usage?startDate=${today}&endDate=${today}`)).json;
    assert.deepEqual(direct.values[keyId], [[3, 97]]);

    await page.getByRole('button', { name: 'Adjust remaining of partner-one' }).click();
    await dlg().getByRole('heading', { name: 'Adjust remaining of partner-one' }).waitFor();
    assert.ok(await focusInDialog());
    assert.equal(await dlg().getByLabel('Remaining requests').inputValue(), '97');
    await dlg().getByLabel('Remaining requests').fill('50');
    await dlg().getByRole('button', { name: 'Set remaining' }).click();
    await dlg().waitFor({ state: 'detached' });
    assert.match(await flashText(/Remaining/), /Remaining requests of partner-one set to 50\./);
    await fig.locator('.usage-remaining', { hasText: '50 remaining' }).waitFor();
    assert.deepEqual((await api('GET', `/usageplans/${planId}/usage?startDate=${today}&endDate=${today}`)).json.values[keyId][0][1], 50);

    await page.getByLabel('Usage period', { exact: true }).selectOption('30');
    await page.waitForFunction(() => document.querySelectorAll('figure.key-usage svg.bars rect.bar').length === 30);
    await screenshot('plan-usage-30-days');
  });

  await t.test('a key disabled on the API keys page is refused by the stage; enabled again, it works', async () => {
    await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'API keys' }).click();
    assert.equal(await row('partner-one').locator('td.key-plans').textContent(), 'gold', 'the key\'s plans are listed');
    assert.equal(await row('imported-a').locator('td.key-plans').textContent(), 'none');
    await page.getByRole('button', { name: 'Disable partner-one' }).click();
    await row('partner-one').locator('.badge', { hasText: 'Disabled' }).waitFor();
    assert.equal((await call(apiId, 'prod', '/items', { 'x-api-key': VALUE })).status, 403);
    await page.getByRole('button', { name: 'Enable partner-one' }).click();
    await row('partner-one').locator('.badge', { hasText: 'Enabled' }).waitFor();
    assert.equal((await call(apiId, 'prod', '/items', { 'x-api-key': VALUE })).status, 200);
    await screenshot('apikeys-with-plans');
    await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Usage plans' }).click();
    assert.match(await page.locator('table.plans tr[data-name="gold"]').textContent(), /gold.*50 req\/s.*100 per DAY/);
    await page.getByRole('link', { name: 'gold', exact: true }).click();
    await page.getByRole('heading', { name: /^gold/, level: 1 }).waitFor();
  });

  await t.test('delete: the key from the plan, the plan (its stage first), the keys', async () => {
    await page.getByRole('button', { name: 'Remove key partner-one from the plan' }).click();
    await dlg().getByRole('button', { name: 'Remove key' }).click();
    assert.match(await flashText(/removed from gold/), /Key partner-one removed from gold\./);
    await page.getByText('No keys in this plan yet.').waitFor();
    await page.getByRole('button', { name: 'Delete usage plan' }).click();
    await dlg().getByText('Its 1 API stage is removed from it first').waitFor();
    await dlg().getByRole('button', { name: 'Delete usage plan' }).click();
    assert.match(await flashText(/deleted/), /Usage plan gold deleted\./);
    await page.getByText('No usage plans yet.').waitFor();
    assert.equal((await api('GET', `/usageplans/${planId}`)).status, 404);
    await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'API keys' }).click();
    for (const name of ['imported-a', 'imported-b', 'partner-one']) {
      await page.getByRole('button', { name: `Delete ${name}` }).click();
      await dlg().getByRole('heading', { name: 'Delete API key' }).waitFor();
      await dlg().getByRole('button', { name: 'Delete API key' }).click();
      assert.match(await flashText(new RegExp(`${name} deleted`)), new RegExp(`API key ${name} deleted\\.`));
      await row(name).waitFor({ state: 'detached' });
    }
    await page.getByText('No API keys yet.').waitFor();
    assert.equal((await api('GET', '/apikeys')).json.item.length, 0);
  });

  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
});

// Goes to `hash`, signing in first when the console asks.
async function openSignedIn(hash) {
  await page.goto(`${base}/_proscenium/console${hash}`);
  const signin = page.getByRole('heading', { name: 'Sign in to this gateway' });
  const main = page.locator('main h1').first();
  await Promise.race([signin.waitFor(), main.waitFor()]);
  if (await signin.isVisible()) {
    await page.getByLabel('Access key ID').fill(CREDS.accessKeyId);
    await page.getByLabel('Secret access key').fill(CREDS.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await signin.waitFor({ state: 'detached' });
  }
}

test('method execution view: an HTTP integration with a template, its responses, Test and the log', async (t) => {
  // A backend on 127.0.0.1 that echoes what it received, with a header of its own.
  const received = [];
  const backend = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, body: data });
      res.writeHead(200, { 'content-type': 'application/json', 'x-echo': 'from-backend' });
      res.end(JSON.stringify({ method: req.method, url: req.url, body: data }));
    });
  });
  await new Promise((r) => backend.listen(0, '127.0.0.1', r));
  t.after(() => backend.close());
  const backendUrl = `http://127.0.0.1:${backend.address().port}/echo`;
  let apiId, resourceId;
  const base0 = () => `/restapis/${apiId}/resources/${resourceId}/methods/GET`;
  // Clicks `button` and waits for the notice matching `re` and the re-rendered panel.
  const saved = async (button, re) => {
    await page.evaluate(() => document.getElementById('tabpanel').setAttribute('data-stale', ''));
    await button.click();
    const text = await flashText(re);
    await page.locator('#tabpanel:not([data-stale])').waitFor();
    return text;
  };
  const tab = async (name) => {
    await page.getByRole('tab', { name }).click();
    await page.locator(`#tab-${{ 'Method request': 'request', 'Integration request': 'integration', 'Integration response': 'intresponse', 'Method response': 'response', Test: 'test' }[name]}[aria-selected="true"]`).waitFor();
  };

  await t.test('a MOCK method opens from the resource tree in the method view', async () => {
    const created = await api('POST', '/restapis', { name: 'method-view-e2e' });
    apiId = created.json.id;
    await openSignedIn(`#/apis/${apiId}`);
    await page.getByLabel('Resource path').fill('/items');
    await page.getByRole('button', { name: 'Save MOCK method' }).click();
    await page.getByRole('link', { name: 'Open GET /items' }).click();
    await page.waitForURL(/\/methods\/[a-z0-9]+\/GET/);
    resourceId = decodeURIComponent(page.url().split('/methods/')[1].split('/')[0]);
    await page.getByRole('tab', { name: 'Method request' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('method-title')), true, 'focus on the heading');
    await screenshot('method-request');
  });

  await t.test('Integration request: an AWS refusal shows under the form; HTTP with a template is saved', async () => {
    // A setting the form does not show survives the save.
    assert.equal((await api('PATCH', `${base0()}/integration`, { patchOperations: [{ op: 'replace', path: '/cacheNamespace', value: 'shared-ns' }] })).status, 200);
    await page.reload();
    await tab('Integration request');
    const form = page.locator('form.integration-request');
    await form.getByLabel('Integration type').selectOption('HTTP');
    await form.getByLabel('HTTP method').selectOption('POST');
    await form.getByLabel('Endpoint URL or ARN').fill('not a url');
    await form.getByRole('button', { name: 'Save integration request' }).click();
    await form.locator('.error', { hasText: 'Invalid HTTP endpoint specified for URI' }).waitFor();
    await form.getByLabel('Endpoint URL or ARN').fill(backendUrl);
    // The MOCK template is still there: replace it with one for the backend.
    await form.locator('[data-role="request-templates-value"]').fill('{"q": "$input.params(\'q\')", "stage": "$context.stage"}');
    assert.match(await saved(form.getByRole('button', { name: 'Save integration request' }), /Integration request saved/), /Deploy the API to apply it/);
    const got = await api('GET', `${base0()}/integration`);
    assert.equal(got.json.type, 'HTTP');
    assert.equal(got.json.httpMethod, 'POST');
    assert.equal(got.json.uri, backendUrl);
    assert.equal(got.json.cacheNamespace, 'shared-ns');
    assert.deepEqual(got.json.requestTemplates, { 'application/json': '{"q": "$input.params(\'q\')", "stage": "$context.stage"}' });
    await screenshot('integration-request');
  });

  await t.test('Method response: a header is declared; a new status is added and deleted', async () => {
    await tab('Method response');
    const ok = page.locator('form.method-response[data-status="200"]');
    await ok.locator('[data-role="method-response-headers-add"]').click();
    await ok.locator('[data-role="method-response-headers-key"]').last().fill('method.response.header.x-echo');
    await saved(ok.getByRole('button', { name: 'Save' }), /Method response 200 saved/);
    assert.deepEqual((await api('GET', `${base0()}/responses/200`)).json.responseParameters, { 'method.response.header.x-echo': false });
    const fresh = page.locator('form.method-response[data-status="new"]');
    await fresh.getByLabel('HTTP status code').fill('404');
    await saved(fresh.getByRole('button', { name: 'Add method response' }), /Method response 404 saved/);
    await page.locator('form.method-response[data-status="404"]').getByRole('button', { name: 'Delete' }).click();
    await saved(dlg().getByRole('button', { name: 'Delete' }), /Method response 404 deleted/);
    await page.locator('form.method-response[data-status="404"]').waitFor({ state: 'detached' });
    assert.equal((await api('GET', `${base0()}/responses/404`)).status, 404);
  });

  await t.test('Integration response: a header mapped for a status without a method response is refused with AWS\'s message; the 200 maps the header and a template', async () => {
    await tab('Integration response');
    const fresh = page.locator('form.integration-response[data-status="new"]');
    await fresh.getByLabel('Method response status').fill('418');
    await fresh.locator('[data-role="response-parameters-add"]').click();
    await fresh.locator('[data-role="response-parameters-key"]').fill('method.response.header.x-echo');
    await fresh.locator('[data-role="response-parameters-value"]').fill('integration.response.header.x-echo');
    await fresh.getByRole('button', { name: 'Add integration response' }).click();
    await fresh.locator('.error').waitFor();
    assert.match(await fresh.locator('.error').textContent(), /Rejected: .*No method response exists for method\./);
    assert.equal((await api('GET', `${base0()}/integration/responses/418`)).status, 404);
    const ok = page.locator('form.integration-response[data-status="200"]');
    await ok.locator('[data-role="response-parameters-add"]').click();
    await ok.locator('[data-role="response-parameters-key"]').last().fill('method.response.header.x-echo');
    await ok.locator('[data-role="response-parameters-value"]').last().fill('integration.response.header.x-echo');
    await ok.locator('[data-role="response-templates-value"]').fill('{"backend": $input.json(\'$\')}');
    await saved(ok.getByRole('button', { name: 'Save' }), /Integration response 200 saved/);
    const got = await api('GET', `${base0()}/integration/responses/200`);
    assert.deepEqual(got.json.responseParameters, { 'method.response.header.x-echo': 'integration.response.header.x-echo' });
    await screenshot('integration-response');
  });

  await t.test('Test runs the undeployed method and shows status, headers, body and the execution log', async () => {
    await tab('Test');
    await page.getByLabel('Path and query string').fill('/items?q=hello');
    await page.getByLabel('Headers').fill('Content-Type: application/json');
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await page.locator('.test-status').waitFor();
    assert.equal(await page.locator('.test-status').textContent(), '200');
    const body = JSON.parse(await page.locator('pre.test-body').textContent());
    assert.equal(body.backend.method, 'POST');
    assert.deepEqual(JSON.parse(body.backend.body), { q: 'hello', stage: 'test-invoke-stage' });
    assert.deepEqual(received.at(-1), { method: 'POST', url: '/echo', body: '{"q": "hello", "stage": "test-invoke-stage"}' });
    assert.deepEqual(JSON.parse(await page.locator('pre.test-headers').textContent())['X-Echo'], ['from-backend']);
    const log = await page.locator('pre.test-log').textContent();
    assert.match(log, /^Execution log for request [0-9a-f-]{36}\n/);
    for (const line of ['Starting execution for request', 'HTTP Method: GET, Resource Path: /items', 'Method request query string: {q=hello}',
      `Endpoint request URI: ${backendUrl}`, 'Endpoint request body after transformations: {"q": "hello", "stage": "test-invoke-stage"}',
      'Endpoint response body before transformations:', 'Method response body after transformations:', 'Successfully completed execution',
      'Method completed with status: 200']) {
      assert.ok(log.includes(line), `log has "${line}":\n${log}`);
    }
    await page.setViewportSize({ width: 800, height: 800 });
    await screenshot('method-test-800px');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    await page.setViewportSize({ width: 1280, height: 800 });
    assert.equal(overflow, false, 'no horizontal scrolling at 800 px');
  });

  await t.test('Method request: a required query parameter and a validator are saved as UpdateMethod operations', async () => {
    await api('POST', `/restapis/${apiId}/requestvalidators`, { name: 'params-only', validateRequestParameters: true });
    await page.reload();
    await tab('Method request');
    const form = page.locator('form.method-request');
    await form.getByLabel('Request validator').selectOption({ label: 'params-only' });
    await form.locator('[data-role="request-parameters-add"]').click();
    await form.locator('[data-role="request-parameters-key"]').last().fill('method.request.querystring.q');
    await form.locator('[data-role="request-parameters-value"]').last().check();
    await saved(form.getByRole('button', { name: 'Save method request' }), /Method request saved/);
    const m = (await api('GET', base0())).json;
    assert.deepEqual(m.requestParameters, { 'method.request.querystring.q': true });
    assert.ok(m.requestValidatorId);
    // The validator now refuses a test without q.
    await tab('Test');
    await page.getByLabel('Path and query string').fill('/items');
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await page.locator('.test-status', { hasText: '400' }).waitFor();
    assert.match(await page.locator('pre.test-body').textContent(), /Missing required request parameters: \[q\]/);
  });

  await t.test('Activity: each change of this API with its caller, the refused one with AWS\'s error', async () => {
    await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Activity' }).click();
    await page.getByRole('heading', { name: 'Activity', exact: true }).waitFor();
    const form = page.locator('form.activity-filters');
    await form.getByLabel('API').selectOption(apiId);
    await page.evaluate(() => document.querySelector('.activity-list > *')?.setAttribute('data-stale', ''));
    await form.getByRole('button', { name: 'Show' }).click();
    await page.locator('.activity-list > .table-wrap:not([data-stale]) table.activity').waitFor();
    const ops = await page.locator('table.activity tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.event));
    // Newest first: the last change made in the view, down to the API's creation.
    assert.equal(ops.at(-1), 'CreateRestApi');
    assert.equal(ops[0], 'UpdateMethod');
    for (const op of ['PutMethod', 'PutIntegration', 'PutMethodResponse', 'DeleteMethodResponse', 'PutIntegrationResponse', 'CreateRequestValidator']) {
      assert.ok(ops.includes(op), `${op} in ${ops}`);
    }
    assert.ok(!ops.includes('TestInvokeMethod') && !ops.includes('GetMethod'), 'reads and tests are not changes');
    const callers = await page.locator('table.activity td.caller').allTextContents();
    assert.ok(callers.every((c) => c === CREDS.accessKeyId), callers.join());
    const refused = page.locator('table.activity tr[data-event="PutIntegration"] td.result', { hasText: 'BadRequestException' });
    assert.equal(await refused.textContent(), 'BadRequestException: Invalid HTTP endpoint specified for URI');
    await form.getByLabel('Operation').fill('PutIntegration');
    await page.evaluate(() => document.querySelector('.activity-list > *')?.setAttribute('data-stale', ''));
    await form.getByRole('button', { name: 'Show' }).click();
    await page.locator('.activity-list > .table-wrap:not([data-stale]) table.activity').waitFor();
    assert.deepEqual(await page.locator('table.activity tbody tr').evaluateAll((rows) => [...new Set(rows.map((r) => r.dataset.event))]), ['PutIntegration']);
    await page.locator('table.activity tbody tr').first().locator('summary').click();
    assert.match(await page.locator('table.activity tbody tr').first().locator('pre').first().textContent(), /"putIntegrationInput"/);
    await screenshot('activity');
    await page.goto(`${base}/_proscenium/console#/apis/${apiId}/methods/${resourceId}/GET/request`);
    await page.getByRole('tab', { name: 'Method request' }).waitFor();
  });

  await t.test('Integration response and integration are deleted', async () => {
    await tab('Integration response');
    await page.locator('form.integration-response[data-status="200"]').getByRole('button', { name: 'Delete' }).click();
    await saved(dlg().getByRole('button', { name: 'Delete' }), /Integration response 200 deleted/);
    assert.equal((await api('GET', `${base0()}/integration/responses/200`)).status, 404);
    await tab('Integration request');
    await page.getByRole('button', { name: 'Delete integration' }).click();
    await saved(dlg().getByRole('button', { name: 'Delete integration' }), /Integration deleted/);
    await page.getByText('This method has no integration yet').waitFor();
    assert.equal((await api('GET', `${base0()}/integration`)).status, 404);
  });

  await t.test('Integration request: a pasted Lambda function ARN becomes the invocation URI; Test calls the function', async () => {
    const fnArn = 'arn:aws:lambda:us-east-1:123456789012:function:proxy-fn';
    const form = page.locator('form.integration-request');
    await form.getByLabel('Integration type').selectOption('AWS_PROXY');
    await form.getByLabel('HTTP method').selectOption('POST');
    await form.getByLabel('Endpoint URL or ARN').fill(fnArn);
    const uri = `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fnArn}/invocations`;
    assert.equal(await form.locator('.lambda-uri').textContent(), `Sent as ${uri}`);
    await saved(form.getByRole('button', { name: 'Create integration' }), /Integration request saved/);
    const got = (await api('GET', `${base0()}/integration`)).json;
    assert.deepEqual([got.type, got.uri], ['AWS_PROXY', uri]);
    await tab('Integration response');
    await page.getByText('passes the backend\'s answer through').waitFor();
    await tab('Test');
    const before = lambdaEvents.length;
    await page.getByLabel('Path and query string').fill('/items?q=1');
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await page.locator('.test-status').waitFor();
    // The console test's function answers authorizer-shaped JSON: not a proxy response.
    assert.equal(await page.locator('.test-status').textContent(), '502');
    const event = lambdaEvents.slice(before).find((e) => e.url.includes('proxy-fn'));
    assert.ok(event, 'the function was invoked');
    assert.equal(event.event.requestContext.stage, 'test-invoke-stage');
    assert.deepEqual(event.event.queryStringParameters, { q: '1' });
    const log = await page.locator('pre.test-log').textContent();
    assert.match(log, /Endpoint request URI: http:\/\/127\.0\.0\.1:\d+\/2015-03-31\/functions\/.*proxy-fn\/invocations/);
    assert.match(log, /Method completed with status: 502\n$/);
  });

  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
});

test('models, request validators and gateway responses pages', async (t) => {
  const created = await api('POST', '/restapis', { name: 'definitions-e2e' });
  const apiId = created.json.id;
  // Marks the current page, clicks, and waits for the notice and the re-rendered page.
  const saved = async (button, re) => {
    await page.evaluate(() => document.querySelector('main > *')?.setAttribute('data-stale', ''));
    await button.click();
    const text = await flashText(re);
    await page.locator('main > :first-child:not([data-stale])').waitFor();
    return text;
  };

  await t.test('Models: an empty schema is refused with AWS\'s message; create, edit, delete', async () => {
    await openSignedIn(`#/apis/${apiId}`);
    await page.getByRole('navigation', { name: 'API sections' }).getByRole('link', { name: 'Models' }).click();
    await page.getByRole('heading', { name: 'Create model' }).waitFor();
    const form = page.locator('form.create-model');
    await form.getByLabel('Model name').fill('Pet');
    await form.getByLabel('Schema (JSON Schema draft 4)').fill('{}');
    await form.getByRole('button', { name: 'Create model' }).click();
    await form.locator('.error', { hasText: 'Model schema must have at least 1 property or array items defined' }).waitFor();
    await form.getByLabel('Schema (JSON Schema draft 4)').fill('{"type": "object", "properties": {"name": {"type": "string"}}}');
    await saved(form.getByRole('button', { name: 'Create model' }), /Model Pet created/);
    const item = page.locator('ul.items li[data-name="Pet"]');
    await item.locator('summary').click();
    await item.getByLabel('Description').fill('a pet');
    await saved(item.getByRole('button', { name: 'Save model' }), /Model Pet saved/);
    assert.equal((await api('GET', `/restapis/${apiId}/models/Pet`)).json.description, 'a pet');
    await screenshot('models');
    await page.locator('ul.items li[data-name="Pet"] summary').click();
    await page.locator('ul.items li[data-name="Pet"]').getByRole('button', { name: 'Delete model' }).click();
    await saved(dlg().getByRole('button', { name: 'Delete model' }), /Model Pet deleted/);
    assert.equal((await api('GET', `/restapis/${apiId}/models/Pet`)).status, 404);
  });

  await t.test('Request validators: create, rename and switch a check, delete', async () => {
    await page.getByRole('navigation', { name: 'API sections' }).getByRole('link', { name: 'Request validators' }).click();
    await page.getByRole('heading', { name: 'Create request validator' }).waitFor();
    const fresh = page.locator('form.validator[data-id="new"]');
    await fresh.getByLabel('Validator name').fill('body-only');
    await fresh.getByLabel('Validate body').check();
    await saved(fresh.getByRole('button', { name: 'Create validator' }), /Request validator body-only created/);
    const list = (await api('GET', `/restapis/${apiId}/requestvalidators`)).json.item;
    assert.equal(list.length, 1);
    assert.deepEqual([list[0].name, list[0].validateRequestBody, list[0].validateRequestParameters], ['body-only', true, false]);
    const form = page.locator(`form.validator[data-id="${list[0].id}"]`);
    await form.getByLabel('Validator name').fill('everything');
    await form.getByLabel('Validate query string parameters and headers').check();
    await saved(form.getByRole('button', { name: 'Save validator' }), /Request validator everything saved/);
    const v = (await api('GET', `/restapis/${apiId}/requestvalidators/${list[0].id}`)).json;
    assert.deepEqual([v.name, v.validateRequestBody, v.validateRequestParameters], ['everything', true, true]);
    await screenshot('validators');
    await page.locator(`form.validator[data-id="${list[0].id}"]`).getByRole('button', { name: 'Delete validator' }).click();
    await saved(dlg().getByRole('button', { name: 'Delete validator' }), /Request validator everything deleted/);
    assert.equal((await api('GET', `/restapis/${apiId}/requestvalidators/${list[0].id}`)).status, 404);
  });

  await t.test('Gateway responses: the defaults, a customization, a reset', async () => {
    await page.getByRole('navigation', { name: 'API sections' }).getByRole('link', { name: 'Gateway responses' }).click();
    await page.getByRole('heading', { name: 'Gateway responses' }).waitFor();
    assert.equal(await page.locator('ul.items li[data-default="true"]').count(), 21);
    await page.getByText('0 of 21 customized').waitFor();
    const item = page.locator('ul.items li[data-type="MISSING_AUTHENTICATION_TOKEN"]');
    assert.match(await item.locator('summary').textContent(), /MISSING_AUTHENTICATION_TOKEN 403 default/);
    await item.locator('summary').click();
    await item.getByLabel('Status code').fill('404');
    await item.locator('[data-role="gateway-headers-add"]').click();
    await item.locator('[data-role="gateway-headers-key"]').fill('gatewayresponse.header.x-why');
    await item.locator('[data-role="gateway-headers-value"]').fill("'no route'");
    await saved(item.getByRole('button', { name: 'Save' }), /Gateway response MISSING_AUTHENTICATION_TOKEN saved/);
    const got = (await api('GET', `/restapis/${apiId}/gatewayresponses/MISSING_AUTHENTICATION_TOKEN`)).json;
    assert.equal(got.statusCode, '404');
    assert.equal(got.defaultResponse, false);
    assert.deepEqual(got.responseParameters, { 'gatewayresponse.header.x-why': "'no route'" });
    await page.getByText('1 of 21 customized').waitFor();
    await screenshot('gateway-responses');
    const custom = page.locator('ul.items li[data-type="MISSING_AUTHENTICATION_TOKEN"][data-default="false"]');
    await custom.locator('summary').click();
    await custom.getByRole('button', { name: 'Reset to default' }).click();
    await saved(dlg().getByRole('button', { name: 'Reset' }), /MISSING_AUTHENTICATION_TOKEN reset to the default/);
    assert.equal((await api('GET', `/restapis/${apiId}/gatewayresponses/MISSING_AUTHENTICATION_TOKEN`)).json.defaultResponse, true);
  });

  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
});

test('every page is usable 800 px wide (no horizontal scrolling)', async () => {
  const apis = (await api('GET', '/restapis')).json.item;
  const withStage = apis.find((a) => a.name === 'console-e2e') || apis[0];
  await page.setViewportSize({ width: 800, height: 900 });
  try {
    const pages = ['#/apis', `#/apis/${withStage.id}`, `#/apis/${withStage.id}/stages/prod`, `#/apis/${withStage.id}/stages/prod/history`,
      `#/apis/${withStage.id}/authorizers`, `#/apis/${withStage.id}/policy`, `#/apis/${withStage.id}/models`,
      `#/apis/${withStage.id}/validators`, `#/apis/${withStage.id}/gatewayresponses`, '#/apikeys', '#/usageplans', '#/activity'];
    const wide = [];
    for (const hash of pages) {
      await openSignedIn(hash);
      await page.locator('main h1').first().waitFor();
      await page.waitForTimeout(200);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 0) wide.push(`${hash} (+${overflow}px)`);
      await screenshot(`800px-${hash.replace(withStage.id, 'api').replace(/[^a-z]+/gi, '-')}`);
    }
    assert.deepEqual(wide, [], 'pages wider than 800 px');
  } finally {
    await page.setViewportSize({ width: 1280, height: 800 });
  }
});

test('a page still loading when the user navigates on never replaces the page that followed', async () => {
  await page.goto(`${base}/_proscenium/console#/apis`);
  await page.getByRole('heading', { name: 'APIs', exact: true }).waitFor();
  const some = (await api('GET', '/restapis')).json.item[0].id;
  // The API page's resources answer late: the user is on the APIs page by then.
  const slow = new RegExp(`/restapis/${some}/resources`);
  await page.route(slow, async (r) => { await new Promise((ok) => setTimeout(ok, 700)); await r.continue().catch(() => {}); });
  await page.evaluate((id) => { location.hash = `#/apis/${id}`; }, some);
  await page.evaluate(() => { location.hash = '#/apis'; });
  await page.getByRole('heading', { name: 'APIs', exact: true }).waitFor();
  await page.waitForTimeout(1200);
  assert.ok(await page.getByRole('heading', { name: 'APIs', exact: true }).isVisible());
  assert.ok(await page.getByRole('button', { name: 'Import OpenAPI' }).isVisible());
  assert.equal(await page.locator('main .view').count(), 1);
  await page.unroute(slow);
});

test('OpenAPI: import a document as a new API, export the deployed stage, download the SDK', async (t) => {
  let apiId;
  const doc = {
    openapi: '3.0.1',
    info: { title: 'imported-in-console', version: '1.0' },
    paths: {
      '/hello': { get: {
        responses: { 200: { description: 'ok' } },
        'x-amazon-apigateway-integration': { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' },
          responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{"hello": "console"}' } } } },
      } },
      '/warned': { get: {
        responses: { 200: { description: 'ok' } },
        'x-amazon-apigateway-integration': { type: 'mock', requestParameters: { 'integration.request.header.x': true } },
      } },
    },
  };

  await t.test('a warning under "Fail on warnings" imports nothing; without it the API opens', async () => {
    await page.goto(`${base}/_proscenium/console#/apis`);
    if (await page.getByRole('heading', { name: 'Sign in to this gateway' }).isVisible().catch(() => false)) {
      await page.getByLabel('Access key ID').fill(CREDS.accessKeyId);
      await page.getByLabel('Secret access key').fill(CREDS.secretAccessKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }
    await page.getByRole('heading', { name: 'APIs', exact: true }).waitFor();
    const before = (await api('GET', '/restapis')).json.item.length;
    await page.getByRole('button', { name: 'Import OpenAPI' }).click();
    await dlg().getByLabel('Document', { exact: true }).fill(JSON.stringify(doc));
    await dlg().getByLabel('Fail on warnings').check();
    await dlg().getByRole('button', { name: 'Import' }).click();
    const err = dlg().locator('.error');
    await err.waitFor();
    assert.match(await err.textContent(), /Warnings found during import/);
    assert.equal((await api('GET', '/restapis')).json.item.length, before);
    await dlg().getByLabel('Fail on warnings').uncheck();
    await dlg().getByRole('button', { name: 'Import' }).click();
    await dlg().getByText('Imported with warnings:').waitFor();
    assert.match(await dlg().locator('.warnings li').first().textContent(), /Invalid format for 'requestParameters'/);
    await screenshot('openapi-import-warnings');
    await dlg().getByRole('button', { name: 'Open the API' }).click();
    await page.waitForURL(/#\/apis\/[a-z0-9]+$/);
    apiId = decodeURIComponent(page.url().split('#/apis/')[1]);
    const resources = (await api('GET', `/restapis/${apiId}/resources`)).json.item;
    assert.deepEqual(resources.map((r) => r.path).sort(), ['/', '/hello', '/warned']);
  });

  await t.test('merge a second document into it from the same dialog', async () => {
    await page.goto(`${base}/_proscenium/console#/apis`);
    await page.getByRole('button', { name: 'Import OpenAPI' }).click();
    const more = { openapi: '3.0.1', info: { title: 'imported-in-console', version: '2.0' }, paths: { '/more': { get: {
      responses: { 200: { description: 'ok' } }, 'x-amazon-apigateway-integration': { type: 'mock' } } } } };
    await dlg().getByLabel('Document', { exact: true }).fill(JSON.stringify(more));
    await dlg().getByLabel('Import into').selectOption(apiId);
    await dlg().getByLabel('Mode').selectOption('merge');
    await dlg().getByRole('button', { name: 'Import' }).click();
    await page.waitForURL(new RegExp(`#/apis/${apiId}$`));
    const resources = (await api('GET', `/restapis/${apiId}/resources`)).json.item;
    assert.deepEqual(resources.map((r) => r.path).sort(), ['/', '/hello', '/more', '/warned']);
    const r = await api('POST', `/restapis/${apiId}/deployments`, { stageName: 'prod' });
    assert.equal(r.status, 201);
  });

  await t.test('Export downloads the stage as OpenAPI (YAML, with extensions)', async () => {
    await page.goto(`${base}/_proscenium/console#/apis/${apiId}/stages/prod`);
    await page.getByRole('button', { name: 'Export' }).click();
    await dlg().getByLabel('Format').selectOption('application/yaml');
    await dlg().getByLabel('With API Gateway extensions').check();
    const [file] = await Promise.all([page.waitForEvent('download'), dlg().getByRole('button', { name: 'Download' }).click()]);
    assert.equal(file.suggestedFilename(), 'oas30_2.0.yaml');
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(await file.path(), 'utf8');
    assert.match(text, /^openapi: 3\.0\.1/m);
    assert.match(text, /\/hello:/);
    assert.match(text, /x-amazon-apigateway-integration:/);
  });

  await t.test('Generate SDK downloads the JavaScript client', async () => {
    await page.getByRole('button', { name: 'Generate SDK' }).click();
    const [file] = await Promise.all([page.waitForEvent('download'), dlg().getByRole('button', { name: 'Download' }).click()]);
    assert.equal(file.suggestedFilename(), `${apiId}_prod_javascript.zip`);
    const { readFileSync } = await import('node:fs');
    const zip = readFileSync(await file.path());
    assert.equal(zip.subarray(0, 4).toString('hex'), '504b0304');
    assert.ok(zip.includes(Buffer.from('apigClient-js/apigClient.js')));
    assert.ok(zip.includes(Buffer.from('apigClient.helloGet')));
  });

  await t.test('Documentation: a refused location is explained; add, edit and publish a version for the stage', async () => {
    await page.goto(`${base}/_proscenium/console#/apis/${apiId}`);
    await page.getByRole('navigation', { name: 'API sections' }).getByRole('link', { name: 'Documentation' }).click();
    await page.getByText('No documentation parts yet.').waitFor();
    await page.getByRole('button', { name: 'Add documentation part' }).click();
    await dlg().getByLabel('Type').selectOption('QUERY_PARAMETER');
    await dlg().getByLabel('Path').fill('/hello');
    await dlg().getByRole('button', { name: 'Add part' }).click();
    const err = dlg().locator('.error');
    await err.waitFor();
    assert.match(await err.textContent(), /name/);
    await dlg().getByLabel('Type').selectOption('METHOD');
    await dlg().getByLabel('Method').fill('GET');
    await dlg().getByLabel('Properties (JSON)').fill('{"summary": "Say hello"}');
    await dlg().getByRole('button', { name: 'Add part' }).click();
    await page.locator('table.doc-parts tbody tr').first().waitFor();
    assert.match(await page.locator('table.doc-parts').textContent(), /METHOD.*Path: \/hello · Method: GET/);
    await page.getByRole('button', { name: /^Edit METHOD/ }).click();
    await dlg().getByLabel('Properties (JSON)').fill('{"summary": "Say hello, documented"}');
    await dlg().getByRole('button', { name: 'Save' }).click();
    await page.locator('code.props', { hasText: 'documented' }).waitFor();
    await page.getByRole('button', { name: 'Publish version' }).click();
    await dlg().getByLabel('Version').fill('v1');
    await dlg().getByLabel('Use for stage').selectOption('prod');
    await dlg().getByRole('button', { name: 'Publish' }).click();
    await page.locator('table.doc-versions', { hasText: 'v1' }).waitFor();
    await screenshot('documentation');
    const stage = await api('GET', `/restapis/${apiId}/stages/prod`);
    assert.equal(stage.json.documentationVersion, 'v1');
    const exported = await api('GET', `/restapis/${apiId}/stages/prod/exports/oas30`);
    assert.equal(exported.json.paths['/hello'].get.summary, 'Say hello, documented');
    assert.deepEqual(pageErrors, []);
  });
});

test('Traffic tab: per-minute charts with axes, the time window, per deployment and per method', async (t) => {
  let apiId, first, second;
  const hitStage = async (resource, n, want) => {
    for (let i = 0; i < n; i++) assert.equal((await call(apiId, 'prod', resource)).status, want, resource);
  };
  // Waits until `selector`'s text (trimmed) is `want`; returns it.
  const textIs = async (selector, want) => {
    await page.waitForFunction(([s, w]) => document.querySelector(s)?.textContent.trim() === w, [selector, want]);
    return want;
  };
  const mockMethod = async (rootId, part, status) => {
    const res = (await api('POST', `/restapis/${apiId}/resources/${rootId}`, { pathPart: part })).json.id;
    const m = `/restapis/${apiId}/resources/${res}/methods/GET`;
    assert.equal((await api('PUT', m, { authorizationType: 'NONE' })).status, 201);
    assert.equal((await api('PUT', `${m}/integration`, { type: 'MOCK', requestTemplates: { 'application/json': `{"statusCode": ${status}}` } })).status, 201);
    await api('PUT', `${m}/responses/${status}`, {});
    await api('PUT', `${m}/integration/responses/${status}`, { selectionPattern: '', responseTemplates: { 'application/json': `{"part": "${part}"}` } });
  };

  await t.test('requests to a MOCK stage show in the charts, with axes, ticks and the same count', async () => {
    apiId = (await api('POST', '/restapis', { name: 'traffic-e2e' })).json.id;
    const rootId = (await api('GET', `/restapis/${apiId}/resources`)).json.item.find((r) => r.path === '/').id;
    await mockMethod(rootId, 'pets', 200);
    await mockMethod(rootId, 'fail', 500);
    first = (await api('POST', `/restapis/${apiId}/deployments`, { stageName: 'prod' })).json.id;
    await hitStage('/pets', 6, 200);
    await hitStage('/fail', 2, 500);
    await openSignedIn(`#/apis/${apiId}/stages/prod/traffic`);
    await page.locator('.win-base svg.timechart').first().waitFor();
    assert.equal(await page.getByRole('radio', { name: '15 minutes', exact: true }).isChecked(), true, 'the default window');
    assert.equal(await textIs('.win-base .wstats .stat .v', '8'), '8', 'the requests made');
    const chart = page.locator('.win-base svg.timechart').first();
    assert.match(await chart.getAttribute('aria-label'), /Base, last 15 minutes: requests per minute/);
    const yTicks = await chart.locator('.y-tick').allTextContents();
    assert.ok(yTicks.length >= 2 && yTicks[0] === '0', `y ticks ${yTicks}`);
    assert.ok(Number(yTicks.at(-1)) >= 8, `the y axis reaches the busiest minute: ${yTicks}`);
    const xTicks = await chart.locator('.x-tick').allTextContents();
    assert.ok(xTicks.length >= 2 && xTicks.every((x) => /^\d\d:\d\d$/.test(x)), `x ticks ${xTicks}`);
    assert.ok((await chart.locator('.value').count()) >= 1, 'values are written on the chart');
    // The numbers in text: one row per minute, summing to what was sent.
    await page.locator('.win-base details.numbers summary').click();
    const rows = page.locator('.win-base table.numbers tbody tr');
    assert.equal(await rows.count(), 15);
    const perMinute = await page.locator('.win-base table.numbers tbody tr td:nth-of-type(1)').allTextContents();
    assert.equal(perMinute.map(Number).reduce((a, b) => a + b, 0), 8);
    const errors5xx = await page.locator('.win-base table.numbers tbody tr td:nth-of-type(3)').allTextContents();
    assert.equal(errors5xx.map(Number).reduce((a, b) => a + b, 0), 2);
    assert.equal(await textIs('.win-base .wstats .stat:nth-child(3) .v', '2'), '2', '5XX');
    // The live counters are still there.
    await textIs('.side.base .stat .v', '8');
    await screenshot('traffic-window-15');
  });

  await t.test('the window switches between 5, 15 and 60 minutes', async () => {
    await page.getByRole('radio', { name: '60 minutes', exact: true }).check();
    await page.getByRole('heading', { name: 'Last 60 minutes, per minute' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.win-base table.numbers tbody tr').length === 60);
    assert.equal(await textIs('.win-base .wstats .stat .v', '8'), '8');
    await page.getByRole('radio', { name: '5 minutes', exact: true }).check();
    await page.getByRole('heading', { name: 'Last 5 minutes, per minute' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.win-base table.numbers tbody tr').length === 5);
    await page.getByRole('radio', { name: '15 minutes', exact: true }).check();
    await page.getByRole('heading', { name: 'Last 15 minutes, per minute' }).waitFor();
  });

  await t.test('per deployment: a redeploy gets its own row, the first keeps its requests', async () => {
    const row = (id) => `.per-deployment tr[data-deployment-id="${id}"]`;
    await textIs(`${row(first)} td:nth-of-type(3)`, '8');
    assert.match(await page.locator(row(first)).textContent(), /serving/);
    second = (await api('POST', `/restapis/${apiId}/deployments`, { stageName: 'prod' })).json.id;
    await hitStage('/pets', 3, 200);
    // The open tab follows on its next refresh: the new deployment is the one serving.
    await textIs(`${row(second)} td:nth-of-type(3)`, '3');
    await textIs(`${row(first)} td:nth-of-type(3)`, '8');
    assert.match(await page.locator(row(second)).textContent(), /serving/);
    assert.doesNotMatch(await page.locator(row(first)).textContent(), /serving/);
    assert.equal(await textIs('.win-base .wstats .stat .v', '11'), '11');
  });

  await t.test('per method: a hint until detailed metrics are on, then a table and a chart', async () => {
    const hint = page.locator('.per-method .metrics-hint');
    await hint.waitFor();
    assert.match(await hint.textContent(), /Detailed metrics.*Stage settings.*Method overrides/);
    await page.getByRole('tab', { name: 'Method overrides' }).click();
    await page.getByLabel('Method', { exact: true }).selectOption('/pets GET');
    await page.getByLabel('Detailed metrics').selectOption('true');
    await page.getByRole('button', { name: 'Save override' }).click();
    await flashText(/Override for GET \/pets saved/);
    const stage = (await api('GET', `/restapis/${apiId}/stages/prod`)).json;
    assert.equal(stage.methodSettings['pets/GET'].metricsEnabled, true);
    await hitStage('/pets', 4, 200);
    await page.getByRole('tab', { name: 'Live traffic' }).click();
    await textIs('.per-method table.methods tbody tr th', 'GET /pets');
    await textIs('.per-method table.methods tbody tr td:nth-of-type(1)', '4');
    const bars = page.locator('.per-method svg.bars');
    assert.equal(await bars.locator('.x-tick').first().textContent(), 'GET /pets');
    assert.equal(await hint.count(), 0, 'no hint once detailed metrics are on');
    await textIs('.win-base .wstats .stat .v', '15');
  });

  await t.test('usable at 800 px: no horizontal scroll', async () => {
    await page.setViewportSize({ width: 800, height: 900 });
    try {
      await page.locator('.per-method table.methods').waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `horizontal overflow of ${overflow}px`);
      await screenshot('traffic-800px');
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });
});
