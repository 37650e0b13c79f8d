// Unit tests of the console's pure modules, run by node directly (no browser needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sign, canonicalUri, canonicalQuery } from '../sigv4.js';
import {
  parsePrometheus, stageTotals, invokeTotals, hhmm, avgLatencyMs, partSeries, deploymentRows, methodRows, detailedMetricsOn, servingDeployment,
} from '../metrics.js';
import { niceTicks, fmtNum } from '../chart.js';
import { diffSummaries, diffDefinitions } from '../diff.js';
import { diffOps, formValues } from '../settings.js';
import { promotionChanges, PROMOTE_OPS, overrideOps } from '../canary.js';
import { splitKey, settingPrefix } from '../overrides.js';
import { lambdaAuthorizerUri, functionArnOf, formFromAuthorizer, createBody, authorizerOps, parseLines, identityHeader, prettyJsonText } from '../authorizers.js';
import { checkJson, jsonError, prettyPolicy, policyOps, POLICY_TEMPLATES } from '../policy.js';
import { authSummary, authorizersFor, methodAuthOps } from '../methodauth.js';
import { parseCsv, csvSummary, createKeyBody, enabledOps } from '../keys.js';
import { formFromPlan, createPlanBody, planOps, addStageOps, removeStageOps, splitThrottleKey, methodThrottlePath, methodThrottleOps, removeMethodThrottleOps, throttleText, quotaText } from '../plans.js';
import { lastDays, daysBetween, usageSeries, usageTotals, shortDay, remainingOps } from '../usage.js';
import { mapOps, parseHeaderLines, parseVariableLines } from '../method.js';
import { signHeaders } from './sigv4-node.mjs';

const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', region: 'eu-west-1' };

test('canonical URI encodes the sent path once more (non-S3 double encoding)', () => {
  assert.equal(canonicalUri('/restapis/a%3Ab/stages/x'), '/restapis/a%253Ab/stages/x');
  assert.equal(canonicalUri('/a/./b/../c/'), '/a/c/');
  assert.equal(canonicalUri(''), '/');
  assert.equal(canonicalQuery(new URLSearchParams('b=2&a=x y&a=1')), 'a=1&a=x%20y&b=2');
});

test('the browser signer agrees with an independent node:crypto signer', async () => {
  const now = new Date('2026-01-02T03:04:05Z');
  for (const [method, u, body] of [
    ['GET', 'http://127.0.0.1:4566/restapis?limit=500&position=a%2Fb', ''],
    ['PATCH', 'http://127.0.0.1:4566/restapis/abc/stages/pr%3Aod', '{"patchOperations":[]}'],
    ['POST', 'http://localhost/restapis/abc/deployments', '{"stageName":"dev"}'],
  ]) {
    const url = new URL(u);
    const mine = await sign({ method, url, rawPath: url.pathname, body, creds, region: creds.region, now });
    const theirs = signHeaders({ method, url, text: body, creds, now });
    assert.deepEqual(mine, theirs, u);
    assert.match(mine.authorization, /Credential=AKIDEXAMPLE\/20260102\/eu-west-1\/apigateway\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/);
  }
});

test('Prometheus text: per-stage totals, base and canary apart', () => {
  const text = `# HELP proscenium_requests_total Requests.
# TYPE proscenium_requests_total counter
proscenium_requests_total{api_id="a1",api_name="x",stage="prod",canary="false"} 10
proscenium_requests_total{api_id="a1",api_name="x",stage="prod",canary="true",resource="/p",method="GET"} 3
proscenium_requests_total{api_id="a1",api_name="x",stage="prod",canary="true",resource="/q",method="GET"} 1
proscenium_requests_total{api_id="a1",api_name="x",stage="dev",canary="false"} 99
proscenium_4xx_errors_total{api_id="a1",stage="prod",canary="false"} 2
proscenium_latency_seconds_bucket{api_id="a1",stage="prod",canary="false",le="+Inf"} 10
proscenium_latency_seconds_sum{api_id="a1",stage="prod",canary="false"} 0.5
proscenium_latency_seconds_count{api_id="a1",stage="prod",canary="false"} 10
proscenium_http_requests_total{plane="invoke",code="2xx"} 7
weird_metric{label="with \\"quotes\\" and \\\\ backslash"} 1`;
  const samples = parsePrometheus(text);
  assert.equal(samples.at(-1).labels.label, 'with "quotes" and \\ backslash');
  const t = stageTotals(samples, 'a1', 'prod');
  assert.equal(t.found, true);
  assert.deepEqual(t.base, { requests: 10, errors4xx: 2, latencySum: 0.5, latencyCount: 10 });
  assert.deepEqual(t.canary, { requests: 4 });
  assert.equal(stageTotals(samples, 'a1', 'nope').found, false);
  assert.deepEqual(invokeTotals(samples), { '2xx': 7 });
});

test('deployment diff over API summaries', () => {
  const a = { '/': {}, '/pets': { GET: { authorizationType: 'NONE', apiKeyRequired: false } }, '/old': { GET: {} } };
  const b = { '/': {}, '/pets': { GET: { authorizationType: 'AWS_IAM', apiKeyRequired: false }, POST: {} }, '/new': { PUT: {} } };
  const d = diffSummaries(a, b);
  assert.deepEqual(d.added, ['Resource /new (PUT)', 'Method POST /pets']);
  assert.deepEqual(d.removed, ['Resource /old (GET)']);
  assert.deepEqual(d.changed, ['GET /pets: authorizationType "NONE" → "AWS_IAM"']);
});

test('the stage editor emits only what changed', () => {
  const stage = { deploymentId: 'd', methodSettings: { '*/*': { throttlingRateLimit: 10, throttlingBurstLimit: 5, loggingLevel: 'OFF' } }, accessLogSettings: { destinationArn: 'arn:x', format: '$context.requestId' } };
  const before = formValues(stage);
  assert.deepEqual(diffOps(before, before), []);
  assert.deepEqual(diffOps(before, { ...before, rateLimit: '20', cacheClusterEnabled: 'true', cacheClusterSize: '6.1' }), [
    { op: 'replace', path: '/cacheClusterEnabled', value: 'true' },
    { op: 'replace', path: '/cacheClusterSize', value: '6.1' },
    { op: 'replace', path: '/*/*/throttling/rateLimit', value: '20' },
  ]);
  assert.deepEqual(diffOps(before, { ...before, logDestination: '', logFormat: '' }), [{ op: 'remove', path: '/accessLogSettings' }]);
});

test('canary promotion: the operations and the sentences that describe them', () => {
  assert.deepEqual(PROMOTE_OPS, [
    { op: 'copy', from: '/canarySettings/deploymentId', path: '/deploymentId' },
    { op: 'copy', from: '/canarySettings/stageVariableOverrides', path: '/variables' },
    { op: 'replace', path: '/canarySettings/percentTraffic', value: '0' },
  ]);
  const lines = promotionChanges({ deploymentId: 'd1', variables: { a: '1' }, canarySettings: { deploymentId: 'd2', percentTraffic: 10, stageVariableOverrides: { a: '2', b: '3' } } });
  assert.deepEqual(lines, ['Active deployment: d1 → d2', 'Stage variable a: "1" → "2"', 'Stage variable b: added with "3"',
    'Canary traffic: 10% → 0% (the canary stays, idle, until you delete it)']);
});

test('method override keys and patch paths', () => {
  assert.deepEqual(splitKey('pets/{id}/GET'), { resourcePath: '/pets/{id}', method: 'GET' });
  assert.equal(settingPrefix('/pets/{id}', 'GET'), '/~1pets~1{id}/GET');
});

test('diffDefinitions names resources, methods and template changes', () => {
  const mk = (tpl, extra) => ({
    api: { id: 'a', name: 'n', createdDate: 1, binaryMediaTypes: [] },
    resources: {
      r: { id: 'r', path: '/', resourceMethods: { GET: { httpMethod: 'GET', authorizationType: 'NONE',
        methodIntegration: { type: 'MOCK', requestTemplates: { 'application/json': tpl } } } } },
      ...extra,
    },
  });
  const d = diffDefinitions(mk('{"statusCode": 200}', {}),
    mk('{"statusCode": 201}', { x: { id: 'x', path: '/x', resourceMethods: { POST: { httpMethod: 'POST', authorizationType: 'NONE' } } } }));
  assert.deepEqual(d.added, ['POST /x', 'Resource /x']);
  assert.deepEqual(d.removed, []);
  assert.equal(d.changed.length, 1);
  assert.match(d.changed[0], /^GET \/ › integration › requestTemplates › application\/json: /);
});

test('authorizer URI from a pasted Lambda function ARN', () => {
  const fn = 'arn:aws:lambda:eu-west-1:123456789012:function:my-auth';
  assert.equal(lambdaAuthorizerUri(fn), `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${fn}/invocations`);
  assert.equal(lambdaAuthorizerUri(`  ${fn}:live `), `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${fn}:live/invocations`);
  const cn = 'arn:aws-cn:lambda:cn-north-1:123456789012:function:f';
  assert.equal(lambdaAuthorizerUri(cn), `arn:aws-cn:apigateway:cn-north-1:lambda:path/2015-03-31/functions/${cn}/invocations`);
  const uri = `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fn}/invocations`;
  assert.equal(lambdaAuthorizerUri(uri), uri, 'a full URI is kept');
  assert.equal(functionArnOf(uri), fn);
  assert.equal(functionArnOf('http://x'), null);
  for (const bad of ['', 'my-auth', 'arn:aws:lambda:eu-west-1:123:function:f', 'arn:aws:s3:::bucket']) {
    assert.throws(() => lambdaAuthorizerUri(bad), /Lambda function ARN/, bad);
  }
});

test('authorizer form: create body and UpdateAuthorizer operations', () => {
  const v = { ...formFromAuthorizer(), name: ' tok ', authorizerUri: 'arn:u' };
  assert.deepEqual(createBody(v), { type: 'TOKEN', name: 'tok', authorizerUri: 'arn:u', identitySource: 'method.request.header.Authorization', authorizerResultTtlInSeconds: 300 });
  assert.equal(createBody({ ...v, name: '' }).name, undefined, 'an empty name is left for AWS to refuse');
  assert.deepEqual(createBody({ ...formFromAuthorizer({ type: 'COGNITO_USER_POOLS' }), name: 'c', providerARNs: 'arn:p1\narn:p2, arn:p3' }).providerARNs,
    ['arn:p1', 'arn:p2', 'arn:p3']);
  const a = { id: 'x', name: 'tok', type: 'TOKEN', authorizerUri: 'arn:u', identitySource: 'method.request.header.Authorization', authorizerResultTtlInSeconds: 300 };
  const before = formFromAuthorizer(a);
  assert.deepEqual(authorizerOps(before, before), []);
  assert.deepEqual(authorizerOps(before, { ...before, name: 'tok2', identityValidationExpression: '^Bearer .+$', authorizerResultTtlInSeconds: '60' }), [
    { op: 'replace', path: '/name', value: 'tok2' },
    { op: 'replace', path: '/identityValidationExpression', value: '^Bearer .+$' },
    { op: 'replace', path: '/authorizerResultTtlInSeconds', value: '60' },
  ]);
  const cog = formFromAuthorizer({ name: 'c', type: 'COGNITO_USER_POOLS', providerARNs: ['arn:p1', 'arn:p2'] });
  assert.deepEqual(authorizerOps(cog, { ...cog, providerARNs: 'arn:p2\narn:p3' }), [
    { op: 'add', path: '/providerARNs', value: 'arn:p3' },
    { op: 'remove', path: '/providerARNs', value: 'arn:p1' },
  ]);
});

test('test request helpers: header lines, stage variables, identity header', () => {
  assert.deepEqual(parseLines('Authorization: Bearer a:b\n\nX-Y:  z ', ':'), { Authorization: 'Bearer a:b', 'X-Y': 'z' });
  assert.deepEqual(parseLines('a=1\nb=x=y', '='), { a: '1', b: 'x=y' });
  assert.throws(() => parseLines('no separator', ':'), /name: value/);
  assert.equal(identityHeader('method.request.header.X-Token, method.request.querystring.q'), 'X-Token');
  assert.equal(identityHeader('method.request.querystring.q'), null);
  assert.equal(prettyJsonText('{"a":[1]}'), '{\n  "a": [\n    1\n  ]\n}');
  assert.equal(prettyJsonText('not json'), 'not json');
});

test('resource policy: JSON check with line and column, templates, operations', () => {
  assert.deepEqual(checkJson('{"Version": "2012-10-17"}'), { ok: true, value: { Version: '2012-10-17' } });
  const bad = checkJson('{\n  "Version": "2012-10-17",\n  "Statement": [\n}');
  assert.equal(bad.ok, false);
  assert.equal(bad.line, 4);
  assert.equal(bad.column, 1);
  assert.equal(bad.message, "unexpected '}'");
  assert.deepEqual(checkJson('{"a": 1,\n "b" 2}'), { ok: false, message: "expected ':' after the property name, found '2'", line: 2, column: 6 });
  assert.deepEqual(checkJson('{"a": "x}'), { ok: false, message: 'a string that is never closed', line: 1, column: 10 });
  // The scanner agrees with JSON.parse on what is valid.
  for (const t of ['{}', '{"a":[1,-2.5e3,true,false,null,"\\u00e9\\n"]}', ' { "a" : { } } ', '{"a":1,}', '{a:1}', '[1 2]', '{"a":01}',
    '{"a":"\\x"}', '{"a":tru}', '{} x', '{"a":"\u0001"}', '{"a":1.}', '"s"', '']) {
    let parses = true;
    try { JSON.parse(t); } catch { parses = false; }
    assert.equal(jsonError(t) === null, parses, t);
  }
  assert.equal(checkJson('[1]').ok, false);
  assert.match(checkJson('  ').message, /empty/);
  assert.match(checkJson('[1]').message, /JSON object/);
  assert.deepEqual(POLICY_TEMPLATES.map((t) => t.id), ['source-ip', 'iam-account']);
  for (const t of POLICY_TEMPLATES) {
    const p = JSON.parse(t.text);
    assert.equal(p.Version, '2012-10-17');
    assert.ok(p.Statement.every((s) => s.Action === 'execute-api:Invoke' && s.Resource === 'execute-api:/*'), t.id);
  }
  const ip = JSON.parse(POLICY_TEMPLATES[0].text).Statement[1];
  assert.deepEqual(Object.keys(ip.Condition), ['NotIpAddress']);
  assert.ok(JSON.parse(POLICY_TEMPLATES[1].text).Statement.some((s) => s.Effect === 'Deny' && s.NotPrincipal));
  assert.deepEqual(policyOps('{\n  "a": 1\n}'), [{ op: 'replace', path: '/policy', value: '{"a":1}' }]);
  assert.deepEqual(policyOps(''), [{ op: 'replace', path: '/policy', value: '' }]);
  assert.equal(prettyPolicy('{"a":1}'), '{\n  "a": 1\n}');
  assert.equal(prettyPolicy(undefined), '');
});

test('method authorization: summary and UpdateMethod operations', () => {
  const authorizers = [{ id: 'a1', name: 'tok', type: 'TOKEN' }, { id: 'c1', name: 'pool', type: 'COGNITO_USER_POOLS' }];
  assert.equal(authSummary({}, authorizers), 'NONE');
  assert.equal(authSummary({ authorizationType: 'CUSTOM', authorizerId: 'a1' }, authorizers), 'CUSTOM (tok)');
  assert.equal(authSummary({ authorizationType: 'COGNITO_USER_POOLS', authorizerId: 'c1', authorizationScopes: ['email'] }, authorizers), 'COGNITO_USER_POOLS (pool) · scopes email');
  assert.deepEqual(authorizersFor('CUSTOM', authorizers).map((a) => a.id), ['a1']);
  assert.deepEqual(authorizersFor('AWS_IAM', authorizers), []);
  const m = { authorizationType: 'NONE', apiKeyRequired: false };
  assert.deepEqual(methodAuthOps(m, { authorizationType: 'NONE', apiKeyRequired: false }), []);
  assert.deepEqual(methodAuthOps(m, { authorizationType: 'CUSTOM', authorizerId: 'a1', apiKeyRequired: true }), [
    { op: 'replace', path: '/authorizationType', value: 'CUSTOM' },
    { op: 'replace', path: '/authorizerId', value: 'a1' },
    { op: 'replace', path: '/apiKeyRequired', value: 'true' },
  ]);
  const cog = { authorizationType: 'COGNITO_USER_POOLS', authorizerId: 'c1', authorizationScopes: ['email', 'openid'] };
  assert.deepEqual(methodAuthOps(cog, { authorizationType: 'COGNITO_USER_POOLS', authorizerId: 'c1', authorizationScopes: 'openid pets/read' }), [
    { op: 'add', path: '/authorizationScopes', value: 'pets/read' },
    { op: 'remove', path: '/authorizationScopes', value: 'email' },
  ]);
  assert.deepEqual(methodAuthOps(cog, { authorizationType: 'AWS_IAM', authorizationScopes: '' }), [
    { op: 'replace', path: '/authorizationType', value: 'AWS_IAM' },
  ]);
});

test('CSV as ImportApiKeys reads it: quotes, doubled quotes, commas and line breaks inside, CRLF, blank lines', () => {
  assert.deepEqual(parseCsv('a,b,c\r\n"x, y","say ""hi""",\n\n"multi\nline",2,3'),
    [['a', 'b', 'c'], ['x, y', 'say "hi"', ''], ['multi\nline', '2', '3']]);
  assert.deepEqual(parseCsv('Name,Key\nk,v'), [['Name', 'Key'], ['k', 'v']]);
  assert.deepEqual(parseCsv(''), []);
  assert.throws(() => parseCsv('a,"b'), /quoted field is not closed/);
});

test('the import summary counts keys and explains a header the server would refuse', () => {
  assert.deepEqual(csvSummary('Name,Key,Enabled\na,aaaaaaaaaaaaaaaaaaaaaa,true\nb,bbbbbbbbbbbbbbbbbbbbbbbbb,false\n'),
    { columns: ['name', 'key', 'enabled'], keys: 2, problem: null });
  assert.equal(csvSummary(' key , NAME \nv,n').columns.join(), 'key,name', 'case and spaces do not matter');
  assert.match(csvSummary('Name,Enabled\na,true').problem, /Key column/);
  assert.match(csvSummary('Name,Key,Owner\na,b,c').problem, /Unknown column "owner"/);
  assert.match(csvSummary('').problem, /empty/);
  assert.match(csvSummary('Key\n"abc').problem, /not closed/);
});

test('CreateApiKey body: empty fields left out, a custom value of fewer than 20 characters refused', () => {
  assert.deepEqual(createKeyBody({ name: ' k ', description: '', customerId: '', value: '', enabled: true }), { name: 'k', enabled: true });
  assert.deepEqual(createKeyBody({ name: 'k', description: 'd', customerId: 'c', value: 'x'.repeat(20), enabled: false }),
    { name: 'k', enabled: false, description: 'd', customerId: 'c', value: 'x'.repeat(20) });
  assert.throws(() => createKeyBody({ name: 'k', description: '', customerId: '', value: 'x'.repeat(19), enabled: true }), /at least 20 characters \(this one has 19\)/);
  assert.deepEqual(enabledOps(false), [{ op: 'replace', path: '/enabled', value: 'false' }]);
});

test('usage plan: CreateUsagePlan body and UpdateUsagePlan operations', () => {
  const empty = formFromPlan();
  assert.deepEqual(createPlanBody({ ...empty, name: 'p' }), { name: 'p' });
  assert.deepEqual(createPlanBody({ ...empty, name: 'p', rateLimit: '10.5', quotaLimit: '100', quotaPeriod: 'WEEK', quotaOffset: '2' }),
    { name: 'p', throttle: { rateLimit: 10.5 }, quota: { limit: 100, period: 'WEEK', offset: 2 } });
  const plan = { name: 'gold', throttle: { rateLimit: 50, burstLimit: 100 }, quota: { limit: 100, period: 'DAY', offset: 0 } };
  const before = formFromPlan(plan);
  assert.deepEqual(before, { name: 'gold', description: '', rateLimit: '50', burstLimit: '100', quotaLimit: '100', quotaPeriod: 'DAY', quotaOffset: '0' });
  assert.deepEqual(planOps(before, before), []);
  assert.deepEqual(planOps(before, { ...before, name: 'g2', description: 'd', rateLimit: '5' }), [
    { op: 'replace', path: '/name', value: 'g2' }, { op: 'replace', path: '/description', value: 'd' },
    { op: 'replace', path: '/throttle/rateLimit', value: '5' }]);
  // One limit emptied: the throttle goes and the other limit comes back.
  assert.deepEqual(planOps(before, { ...before, burstLimit: '' }), [
    { op: 'remove', path: '/throttle' }, { op: 'replace', path: '/throttle/rateLimit', value: '50' }]);
  assert.deepEqual(planOps(before, { ...before, rateLimit: '', burstLimit: '' }), [{ op: 'remove', path: '/throttle' }]);
  assert.deepEqual(planOps(before, { ...before, quotaLimit: '' }), [{ op: 'remove', path: '/quota' }]);
  assert.deepEqual(planOps(before, { ...before, quotaPeriod: 'MONTH', quotaOffset: '3' }), [
    { op: 'replace', path: '/quota/period', value: 'MONTH' }, { op: 'replace', path: '/quota/offset', value: '3' }]);
  // A quota added to a plan without one sets all three fields.
  const none = formFromPlan({ name: 'n' });
  assert.deepEqual(planOps(none, { ...none, quotaLimit: '10' }), [
    { op: 'replace', path: '/quota/limit', value: '10' }, { op: 'replace', path: '/quota/period', value: 'DAY' },
    { op: 'replace', path: '/quota/offset', value: '0' }]);
  assert.equal(throttleText(plan.throttle), '50 req/s, burst 100');
  assert.equal(throttleText(undefined), 'none');
  assert.equal(quotaText({ limit: 5, period: 'WEEK', offset: 1 }), '5 per WEEK (offset 1)');
});

test('usage plan: API stage and per-method throttle operations in the grammar the server accepts', () => {
  assert.deepEqual(addStageOps('a1', 'prod'), [{ op: 'add', path: '/apiStages', value: 'a1:prod' }]);
  assert.deepEqual(removeStageOps('a1', 'prod'), [{ op: 'remove', path: '/apiStages', value: 'a1:prod' }]);
  assert.equal(methodThrottlePath('a1', 'prod', '/pets/{id}', 'get'), '/apiStages/a1:prod/throttle/~1pets~1{id}/GET');
  assert.deepEqual(methodThrottleOps('a1', 'prod', '/pets', 'GET', { rateLimit: '20', burstLimit: ' 40 ' }), [
    { op: 'replace', path: '/apiStages/a1:prod/throttle/~1pets/GET/rateLimit', value: '20' },
    { op: 'replace', path: '/apiStages/a1:prod/throttle/~1pets/GET/burstLimit', value: '40' }]);
  assert.deepEqual(methodThrottleOps('a1', 'prod', '/', 'POST', { burstLimit: '3' }), [
    { op: 'replace', path: '/apiStages/a1:prod/throttle/~1/POST/burstLimit', value: '3' }]);
  assert.throws(() => methodThrottleOps('a1', 'prod', '/', 'GET', {}), /rate, a burst, or both/);
  assert.deepEqual(removeMethodThrottleOps('a1', 'prod', '/pets', 'GET'), [{ op: 'remove', path: '/apiStages/a1:prod/throttle/~1pets/GET' }]);
  assert.deepEqual(splitThrottleKey('/pets/{id}/GET'), { resourcePath: '/pets/{id}', method: 'GET' });
  assert.deepEqual(splitThrottleKey('//GET'), { resourcePath: '/', method: 'GET' });
});

test('usage series: one entry per day from GetUsage values, gaps as 0 used and unknown remaining', () => {
  assert.deepEqual(lastDays(7, new Date('2026-12-05T23:59:00Z')), { startDate: '2026-11-29', endDate: '2026-12-05' });
  assert.deepEqual(lastDays(1, new Date('2026-03-01T00:00:00Z')), { startDate: '2026-03-01', endDate: '2026-03-01' });
  assert.deepEqual(daysBetween('2026-02-27', '2026-03-02'), ['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
  const usage = { usagePlanId: 'p', startDate: '2026-12-03', endDate: '2026-12-05', values: { k1: [[0, 100], [4, 96], [3, 93]], k2: [[1]] } };
  assert.deepEqual(usageSeries(usage, 'k1'), [
    { date: '2026-12-03', used: 0, remaining: 100 }, { date: '2026-12-04', used: 4, remaining: 96 }, { date: '2026-12-05', used: 3, remaining: 93 }]);
  assert.deepEqual(usageSeries(usage, 'k2').map((d) => [d.used, d.remaining]), [[1, null], [0, null], [0, null]]);
  assert.deepEqual(usageSeries(usage, 'missing').map((d) => d.used), [0, 0, 0]);
  assert.deepEqual(usageTotals(usageSeries(usage, 'k1')), { used: 7, remaining: 93 });
  assert.deepEqual(usageTotals(usageSeries(usage, 'k2')), { used: 1, remaining: null });
  assert.equal(shortDay('2026-12-05'), '12-05');
  assert.deepEqual(remainingOps('50'), [{ op: 'replace', path: '/remaining', value: '50' }]);
  assert.deepEqual(remainingOps(0), [{ op: 'replace', path: '/remaining', value: '0' }]);
  for (const bad of ['', '-1', '2.5', 'x']) assert.throws(() => remainingOps(bad), /whole number/);
});

test('method view: map edits as patch operations, header and variable lines', () => {
  assert.deepEqual(mapOps('/requestModels', { 'application/json': 'A', 'text/plain': 'B' }, { 'application/json': 'C', 'application/xml': 'D' }), [
    { op: 'replace', path: '/requestModels/application~1json', value: 'C' },
    { op: 'add', path: '/requestModels/application~1xml', value: 'D' },
    { op: 'remove', path: '/requestModels/text~1plain' },
  ]);
  assert.deepEqual(mapOps('/requestParameters', { 'method.request.querystring.q': false }, { 'method.request.querystring.q': true }),
    [{ op: 'replace', path: '/requestParameters/method.request.querystring.q', value: 'true' }]);
  assert.deepEqual(mapOps('/x', { a: '1' }, { a: '1' }), []);
  assert.deepEqual(parseHeaderLines('Content-Type: application/json\nX-A: 1:2\nnot a header\n'), [['Content-Type', 'application/json'], ['X-A', '1:2']]);
  assert.deepEqual(parseVariableLines('color=blue\nurl=http://x?a=b\n=skip'), { color: 'blue', url: 'http://x?a=b' });
});

test('canary overrides: one operation per changed, added or removed variable', () => {
  assert.deepEqual(overrideOps({ color: 'green', size: 'm' }, { color: 'teal', mode: 'x' }), [
    { op: 'replace', path: '/canarySettings/stageVariableOverrides/color', value: 'teal' },
    { op: 'replace', path: '/canarySettings/stageVariableOverrides/mode', value: 'x' },
    { op: 'remove', path: '/canarySettings/stageVariableOverrides/size' },
  ]);
  assert.deepEqual(overrideOps({ a: '1' }, { a: '1' }), []);
});

test('stage totals sum the series of every deployment (deployment_id label)', () => {
  const samples = parsePrometheus([
    'proscenium_requests_total{api_id="a1",api_name="x",stage="prod",canary="false",deployment_id="d1"} 7',
    'proscenium_requests_total{api_id="a1",api_name="x",stage="prod",canary="false",deployment_id="d2"} 3',
    'proscenium_requests_total{api_id="a1",api_name="x",stage="prod",canary="false",deployment_id="d2",resource="/p",method="GET"} 2',
    'proscenium_requests_total{api_id="a1",api_name="x",stage="prod",canary="true",deployment_id="d3"} 4',
    'proscenium_5xx_errors_total{api_id="a1",api_name="x",stage="prod",canary="false",deployment_id="d1"} 1',
    'proscenium_5xx_errors_total{api_id="a1",api_name="x",stage="prod",canary="false",deployment_id="d2"} 1',
  ].join('\n'));
  assert.equal(samples[0].labels.deployment_id, 'd1');
  const t = stageTotals(samples, 'a1', 'prod');
  assert.deepEqual(t.base, { requests: 12, errors5xx: 2 });
  assert.deepEqual(t.canary, { requests: 4 });
});

test('chart ticks are nice, reach the maximum, and are whole numbers for counts', () => {
  assert.deepEqual(niceTicks(8), [0, 2, 4, 6, 8]);
  assert.deepEqual(niceTicks(15), [0, 5, 10, 15]);
  assert.deepEqual(niceTicks(0), [0, 0.5, 1]);
  assert.deepEqual(niceTicks(0, { integer: true }), [0, 1]);
  assert.deepEqual(niceTicks(2, { integer: true }), [0, 1, 2]);
  assert.deepEqual(niceTicks(0.08), [0, 0.02, 0.04, 0.06, 0.08]);
  for (const max of [1, 3, 7, 11, 99, 101, 1234, 0.3]) {
    const t = niceTicks(max);
    assert.ok(t[0] === 0 && t.at(-1) >= max && t.length <= 7, `${max}: ${t}`);
  }
  assert.equal(fmtNum(3), '3');
  assert.equal(fmtNum(0.0712), '0.07');
  assert.equal(fmtNum(12.345), '12.3');
  assert.equal(fmtNum(null), '—');
});

test('a traffic report becomes per-minute series, deployment and method rows', () => {
  const c = (requests, errors4xx = 0, errors5xx = 0, latencyMicros = 0) => ({ requests, errors4xx, errors5xx, latencyMicros });
  const report = {
    minutes: 3,
    minuteStarts: [Date.UTC(2026, 0, 1, 10, 58), Date.UTC(2026, 0, 1, 10, 59), Date.UTC(2026, 0, 1, 11, 0)],
    base: { total: c(6, 1, 1, 12000), perMinute: [c(0), c(2, 1, 0, 2000), c(4, 0, 1, 10000)] },
    canary: { total: c(2, 0, 0, 1000), perMinute: [c(0), c(0), c(2, 0, 0, 1000)] },
    deployments: [
      { deploymentId: 'old', canary: false, serving: false, total: c(2, 1, 0, 2000) },
      { deploymentId: 'new', canary: false, serving: true, total: c(4, 0, 1, 10000) },
      { deploymentId: 'can', canary: true, serving: true, total: c(2, 0, 0, 1000) },
    ],
    methods: [{ resource: '/pets', method: 'GET', total: c(3, 0, 0, 3000) }],
  };
  const s = partSeries(report.base);
  assert.deepEqual(s.requests, [0, 2, 4]);
  assert.deepEqual(s.errors4xx, [0, 1, 0]);
  assert.deepEqual(s.latencyMs, [null, 1, 2.5]);
  assert.equal(s.total.latencyMs, 2);
  assert.equal(avgLatencyMs(c(0)), null);
  const rows = deploymentRows(report);
  assert.deepEqual(rows.map((r) => [r.deploymentId, r.side, r.current, r.share, r.requests]),
    [['new', 'base', true, 0.5, 4], ['can', 'canary', true, 0.25, 2], ['old', 'base', false, 0.25, 2]]);
  assert.equal(servingDeployment(report, false), 'new');
  assert.equal(servingDeployment(report, true), 'can');
  assert.equal(servingDeployment({ deployments: [] }, true), null);
  assert.deepEqual(methodRows(report).map((m) => [m.name, m.requests, m.latencyMs]), [['GET /pets', 3, 1]]);
  const labels = report.minuteStarts.map(hhmm);
  assert.ok(labels.every((l) => /^\d\d:\d\d$/.test(l)), labels.join());
  const minutes = labels.map((l) => Number(l.slice(0, 2)) * 60 + Number(l.slice(3)));
  assert.deepEqual([(minutes[1] - minutes[0] + 1440) % 1440, (minutes[2] - minutes[1] + 1440) % 1440], [1, 1]);
  assert.equal(detailedMetricsOn({ methodSettings: { '*/*': { metricsEnabled: false } } }), false);
  assert.equal(detailedMetricsOn({ methodSettings: { 'pets/GET': { metricsEnabled: true } } }), true);
  assert.equal(detailedMetricsOn({}), false);
});
