// An API's request validators (`#/apis/{id}/validators`): list, create, edit (UpdateRequestValidator
// operations), delete; AWS's refusals show under the form that sent them.
import { h, clear, field, errorSlot, busy, confirmDialog, flash } from './ui.js';
import { get, all, post, patch, del, path } from './api.js';
import { apiHeader } from './apihead.js';
import { go } from './nav.js';

export async function validatorsPage(main, apiId) {
  const [api, validators] = await Promise.all([get(path('restapis', apiId)), all(path('restapis', apiId, 'requestvalidators'))]);
  validators.sort((a, b) => (a.name || '').localeCompare(b.name || ''));
  const reload = () => go(`#/apis/${encodeURIComponent(apiId)}/validators`);
  clear(main,
    apiHeader(api, 'validators', (r) => go(`#/apis/${encodeURIComponent(apiId)}/stages/${encodeURIComponent(r.stageName)}`)),
    h('section.card', h('h2', 'Request validators'),
      validators.length ? h('ul.items', validators.map((v) => validatorForm(apiId, v, reload))) : h('p.empty', 'No request validators yet.')),
    h('section.card', h('h2', 'Create request validator'), validatorForm(apiId, null, reload)));
}

function validatorForm(apiId, v, reload) {
  const name = h('input', { name: 'name', value: v?.name || '', required: true });
  const body = h('input', { type: 'checkbox', name: 'validateRequestBody', checked: !!v?.validateRequestBody });
  const params = h('input', { type: 'checkbox', name: 'validateRequestParameters', checked: !!v?.validateRequestParameters });
  const slot = errorSlot();
  const save = h('button.primary', { type: 'submit' }, v ? 'Save validator' : 'Create validator');
  const remove = v ? h('button.danger', { type: 'button' }, 'Delete validator') : null;
  const form = h('form.inline-form.validator', { dataset: { id: v?.id || 'new' } },
    field('Validator name', name), h('label.check', body, ' Validate body'), h('label.check', params, ' Validate query string parameters and headers'),
    h('div.actions', save, remove), slot);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const done = await busy(save, slot, async () => {
      if (!v) {
        return post(path('restapis', apiId, 'requestvalidators'), { name: name.value.trim(), validateRequestBody: body.checked, validateRequestParameters: params.checked });
      }
      const ops = [];
      if (v.name !== name.value.trim()) ops.push({ op: 'replace', path: '/name', value: name.value.trim() });
      if (!!v.validateRequestBody !== body.checked) ops.push({ op: 'replace', path: '/validateRequestBody', value: String(body.checked) });
      if (!!v.validateRequestParameters !== params.checked) ops.push({ op: 'replace', path: '/validateRequestParameters', value: String(params.checked) });
      if (ops.length) await patch(path('restapis', apiId, 'requestvalidators', v.id), ops);
      return true;
    }, 'Saving…');
    if (done) { flash(`Request validator ${name.value.trim()} ${v ? 'saved' : 'created'}.`); reload(); }
  });
  if (remove) {
    remove.addEventListener('click', async () => {
      const ok = await confirmDialog('Delete request validator', [h('p', `Delete the request validator ${v.name}?`)], 'Delete validator',
        { danger: true, action: () => del(path('restapis', apiId, 'requestvalidators', v.id)) });
      if (ok) { flash(`Request validator ${v.name} deleted.`); reload(); }
    });
  }
  return v ? h('li', form) : form;
}
