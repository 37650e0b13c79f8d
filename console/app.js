// Entry point: session check, then a hash router over the pages.
import { h, clear, loading, showError, errorSlot } from './ui.js';
import { getCreds, setCreds } from './api.js';
import { needsSignIn, signInPage } from './auth.js';
import { apisPage } from './apis.js';
import { apiPage } from './resources.js';
import { stagesPage } from './stages.js';
import { authorizersPage } from './authorizers.js';
import { policyPage } from './policy.js';
import { keysPage } from './keys.js';
import { plansPage, planPage } from './plans.js';
import { methodPage } from './method.js';
import { activityPage } from './activity.js';
import { modelsPage } from './models.js';
import { validatorsPage } from './validators.js';
import { gatewayResponsesPage } from './gwresponses.js';
import { documentationPage } from './documentation.js';
import { domainsPage, domainPage } from './domains.js';

import { leave } from './nav.js';

const main = document.getElementById('main');

function renderSession() {
  const slot = document.getElementById('session');
  const c = getCreds();
  clear(slot, c ? [
    h('span', `Signed in as ${c.accessKeyId} · ${c.region}`),
    h('button.small', { type: 'button', onclick: () => { setCreds(null); boot(); } }, 'Sign out'),
  ] : []);
}

// Each navigation renders into a view of its own: a page still loading when the user (or a
// test) navigates on renders into its detached view, never over the page that followed it.
let navigation = 0;

async function route() {
  const mine = ++navigation;
  leave();
  // A link inside a dialog leads to another page: the dialog goes (as with Escape).
  for (const d of document.querySelectorAll('dialog.modal[open]')) d.dispatchEvent(new Event('cancel'));
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  for (const a of document.querySelectorAll('.topbar nav a')) {
    const here = a.getAttribute('href').slice(2) === (['apikeys', 'usageplans', 'activity', 'domains'].includes(parts[0]) ? parts[0] : 'apis');
    if (here) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const view = h('div.view');
  clear(main, view);
  clear(view, loading());
  const current = () => mine === navigation;
  try {
    if (parts[0] === 'apikeys') await keysPage(view);
    else if (parts[0] === 'activity') await activityPage(view);
    else if (parts[0] === 'domains' && parts[1]) await domainPage(view, parts[1]);
    else if (parts[0] === 'domains') await domainsPage(view);
    else if (parts[0] === 'usageplans' && parts[1]) await planPage(view, parts[1]);
    else if (parts[0] === 'usageplans') await plansPage(view);
    else if (parts[0] !== 'apis' || !parts[1]) await apisPage(view);
    else if (parts[2] === 'stages') await stagesPage(view, parts[1], parts[3], parts[4]);
    else if (parts[2] === 'authorizers') await authorizersPage(view, parts[1]);
    else if (parts[2] === 'policy') await policyPage(view, parts[1]);
    else if (parts[2] === 'models') await modelsPage(view, parts[1]);
    else if (parts[2] === 'validators') await validatorsPage(view, parts[1]);
    else if (parts[2] === 'gatewayresponses') await gatewayResponsesPage(view, parts[1]);
    else if (parts[2] === 'methods' && parts[4]) await methodPage(view, parts[1], parts[3], parts[4], parts[5]);
    else if (parts[2] === 'documentation') await documentationPage(view, parts[1]);
    else await apiPage(view, parts[1]);
    // Focus goes to the new page's heading (screen readers announce it), unless the page
    // put it somewhere itself.
    if (!current()) return;
    if (!document.activeElement || document.activeElement === document.body || document.activeElement === main) {
      const heading = view.querySelector('h1');
      if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
    }
  } catch (e) {
    if (!current()) return;
    const slot = errorSlot();
    clear(view, h('h1', 'Something went wrong'), slot,
      h('p', h('a', { href: '#/apis' }, 'Back to the APIs')));
    showError(slot, e);
  }
}

async function boot() {
  renderSession();
  clear(main, loading('Connecting to the gateway…'));
  const need = await needsSignIn();
  if (need) {
    signInPage(main, need, () => { renderSession(); route(); });
    return;
  }
  route();
}

window.addEventListener('hashchange', () => {
  if (!main.querySelector('.signin')) route();
});
boot();
