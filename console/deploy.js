// The Deploy API dialog: new or existing stage, descriptions, and the resulting Invoke URL.
import { h, clear, field, errorSlot, busy, dialog, copyButton } from './ui.js';
import { all, post, path, invokeUrls } from './api.js';

const NEW = '__new__';

export function deployDialog(api, { stageName } = {}) {
  return dialog('Deploy API', (close) => {
    const wrap = h('div.deploy');
    const stageSel = h('select', { name: 'stage', disabled: true, 'aria-busy': 'true' }, h('option', { value: NEW }, '[New stage]'));
    const newName = h('input', { name: 'stageName', required: true, spellcheck: 'false', placeholder: 'e.g. dev' });
    const stageDesc = h('input', { name: 'stageDescription' });
    const depDesc = h('textarea', { name: 'description', rows: 2 });
    const exists = h('p.warning.stage-exists', { role: 'status', hidden: true });
    const newFields = h('div.new-stage', field('Stage name', newName), exists, field('Stage description', stageDesc));
    let known = [];
    const checkName = () => {
      const n = newName.value.trim();
      exists.hidden = !(stageSel.value === NEW && known.includes(n));
      exists.textContent = exists.hidden ? '' : `Stage ${n} already exists: deploying points it at the new deployment (its settings stay).`;
    };
    newName.addEventListener('input', checkName);
    const slot = errorSlot();
    const submit = h('button.primary', { type: 'submit' }, 'Deploy');
    const form = h('form',
      h('p.hint', `Creates a deployment of ${api.name} — a snapshot of its resources and methods — and points the stage at it.`),
      field('Stage', stageSel), newFields, field('Deployment description', depDesc),
      slot, h('div.actions', h('button', { type: 'button', onclick: () => close() }, 'Cancel'), submit));
    const sync = () => {
      const isNew = stageSel.value === NEW;
      newFields.hidden = !isNew;
      newName.required = isNew;
      checkName();
    };
    stageSel.addEventListener('change', sync);
    all(path('restapis', api.id, 'stages')).catch(() => []).then((stages) => {
      // GetStages answers {item: [...]} like the paged lists.
      known = stages.map((s) => s.stageName);
      for (const s of stages) stageSel.append(h('option', { value: s.stageName }, s.stageName));
      if (stageName && stages.some((s) => s.stageName === stageName)) stageSel.value = stageName;
      else if (stages.length) stageSel.value = stages[0].stageName;
      stageSel.disabled = false;
      stageSel.removeAttribute('aria-busy');
      sync();
    });
    sync();
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const isNew = stageSel.value === NEW;
      const name = isNew ? newName.value.trim() : stageSel.value;
      const body = { stageName: name, description: depDesc.value.trim() || undefined };
      if (isNew && stageDesc.value.trim()) body.stageDescription = stageDesc.value.trim();
      const dep = await busy(submit, slot, () => post(path('restapis', api.id, 'deployments'), body), 'Deploying…');
      if (!dep) return;
      const urls = invokeUrls(api.id, name);
      const doneBtn = h('button.primary', { type: 'button', autofocus: true, onclick: () => close({ deployment: dep, stageName: name }) }, 'Done');
      clear(wrap, h('div.result', { role: 'status' },
        h('p.ok', `Deployed to stage ${name}.`),
        h('dl',
          h('dt', 'Deployment ID'), h('dd', h('code.deployment-id', dep.id)),
          h('dt', 'Invoke URL'), h('dd', h('code.invoke-url', urls.host), ' ', copyButton(urls.host, 'Copy URL')),
          h('dt', 'Path-style URL'), h('dd', h('code', urls.path), ' ', copyButton(urls.path, 'Copy'))),
        h('div.actions', doneBtn)));
      doneBtn.focus();
    });
    wrap.append(form);
    return wrap;
  });
}
