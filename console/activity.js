// The activity log (`#/activity`): every change made through the management API, as the
// CloudTrail events `GET /_proscenium/activity` answers, newest first, filterable by API,
// stage and operation. Each event opens to its request parameters and response elements.
import { h, clear, field, errorSlot, busy, fmtDate } from './ui.js';
import { get, all } from './api.js';

export async function activityPage(main) {
  const apis = await all('/restapis');
  apis.sort((a, b) => a.name.localeCompare(b.name));
  const names = Object.fromEntries(apis.map((a) => [a.id, a.name]));
  const api = h('select', { name: 'apiId' }, h('option', { value: '' }, 'All APIs'),
    apis.map((a) => h('option', { value: a.id }, `${a.name} (${a.id})`)));
  const stage = h('input', { name: 'stage', spellcheck: 'false', placeholder: 'any' });
  const operation = h('input', { name: 'operation', spellcheck: 'false', placeholder: 'e.g. UpdateStage' });
  const slot = errorSlot();
  const show = h('button.primary', { type: 'submit' }, 'Show');
  const list = h('div.activity-list', { 'aria-live': 'polite' });
  const form = h('form.inline-form.activity-filters', { 'aria-label': 'Filter the activity' },
    field('API', api), field('Stage', stage), field('Operation', operation), h('div.actions', show));
  const load = async () => {
    const events = await busy(show, slot, async () => (await get('/_proscenium/activity', {
      ...(api.value ? { apiId: api.value } : {}),
      ...(stage.value.trim() ? { stage: stage.value.trim() } : {}),
      ...(operation.value.trim() ? { operation: operation.value.trim() } : {}),
    })).events, 'Loading…');
    if (events) clear(list, table(events, names));
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  clear(main,
    h('h1', { tabindex: '-1' }, 'Activity'),
    h('p.hint', 'Every change made through the management API (the console, the AWS CLI, SDKs, Terraform), refused ones included, with who made it. The same events are in logs/cloudtrail.jsonl in the data directory, in CloudTrail\'s format.'),
    h('section.card', form, slot), list);
  main.querySelector('h1').focus();
  await load();
}

function table(events, names) {
  if (!events.length) return h('p.empty', 'No activity matches.');
  return h('div.table-wrap', h('table.list.activity',
    h('thead', h('tr', ['Time', 'Operation', 'API', 'Stage', 'Caller', 'Source', 'Result'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', events.map((e) => row(e, names)))));
}

function row(e, names) {
  const p = e.requestParameters || {};
  const input = Object.entries(p).find(([k]) => k.endsWith('Input'))?.[1] || {};
  const apiId = p.restApiId || (e.eventName === 'CreateRestApi' && e.responseElements?.id) || '';
  const stage = p.stageName || input.stageName || '';
  const who = e.userIdentity?.accessKeyId || e.userIdentity?.type || '—';
  const ok = !e.errorCode;
  const details = h('details',
    h('summary', e.eventName),
    h('h4', 'Request parameters'), h('pre', JSON.stringify(p, null, 2)),
    ok ? [h('h4', 'Response elements'), h('pre', JSON.stringify(e.responseElements, null, 2))] : null,
    h('p.meta', `Request ID ${e.requestID} · event ID ${e.eventID} · ${e.userAgent || 'no user agent'}`));
  return h('tr', { dataset: { event: e.eventName, id: e.eventID } },
    h('td', h('time', { datetime: e.eventTime }, fmtDate(e.eventTime))),
    h('td.op', details),
    h('td', apiId ? h('a', { href: `#/apis/${encodeURIComponent(apiId)}` }, names[apiId] || apiId) : '—'),
    h('td', stage || '—'),
    h('td.caller', who),
    h('td', e.sourceIPAddress || '—'),
    h('td.result', ok ? h('span.ok', 'OK') : h('span.err', `${e.errorCode}: ${e.errorMessage}`)));
}
