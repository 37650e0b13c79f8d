// The header shared by an API's pages: breadcrumbs, sub-navigation and Deploy API.
import { h } from './ui.js';
import { deployDialog } from './deploy.js';

export function apiHeader(api, active, onDeployed) {
  const id = encodeURIComponent(api.id);
  const deployBtn = h('button.primary', { type: 'button' }, 'Deploy API');
  deployBtn.addEventListener('click', async () => {
    const result = await deployDialog(api);
    if (result && onDeployed) onDeployed(result);
  });
  const link = (key, href, label) => h('a', { href, 'aria-current': active === key ? 'page' : null }, label);
  return h('div.api-head',
    h('nav.crumbs', { 'aria-label': 'Breadcrumb' }, h('a', { href: '#/apis' }, 'APIs'), ' / ', h('span', api.name)),
    h('div.page-head',
      h('h1', api.name, ' ', h('code.id', api.id)),
      deployBtn),
    h('nav.subnav', { 'aria-label': 'API sections' },
      link('resources', `#/apis/${id}`, 'Resources'),
      link('stages', `#/apis/${id}/stages`, 'Stages'),
      link('authorizers', `#/apis/${id}/authorizers`, 'Authorizers'),
      link('policy', `#/apis/${id}/policy`, 'Resource policy'),
      link('models', `#/apis/${id}/models`, 'Models'),
      link('validators', `#/apis/${id}/validators`, 'Request validators'),
      link('gatewayresponses', `#/apis/${id}/gatewayresponses`, 'Gateway responses'),
      link('documentation', `#/apis/${id}/documentation`, 'Documentation')));
}
