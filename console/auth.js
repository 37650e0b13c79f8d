// Credentials: when the gateway requires SigV4, ask for an access key and secret
// (kept in sessionStorage only) and sign every management call with them.
import { h, field, errorSlot, busy, showError } from './ui.js';
import { get, getCreds, setCreds, AUTH_ERRORS } from './api.js';

// Resolves to null when the console may proceed, else to the error that asks for a sign-in.
export async function needsSignIn() {
  try {
    await get('/restapis', { limit: 1 });
    return null;
  } catch (e) {
    if (e.status === 403 && AUTH_ERRORS.includes(e.type)) return e;
    return null; // other problems are shown by the page that hits them
  }
}

export function signInPage(main, why, done) {
  const had = getCreds();
  const key = h('input', { name: 'accessKeyId', autocomplete: 'username', required: true, value: had?.accessKeyId || '', spellcheck: 'false' });
  const secret = h('input', { name: 'secretAccessKey', type: 'password', autocomplete: 'current-password', required: true });
  const region = h('input', { name: 'region', value: had?.region || 'us-east-1', required: true, spellcheck: 'false' });
  const slot = errorSlot();
  const submit = h('button.primary', { type: 'submit' }, 'Sign in');
  const form = h('form.card.signin', { 'aria-labelledby': 'signin-title' },
    h('h1#signin-title', 'Sign in to this gateway'),
    h('p', 'This gateway requires signed requests. Enter the access key that the server was started with ',
      h('code', 'PROSCENIUM_ACCESS_KEY_ID'), ' / ', h('code', 'PROSCENIUM_SECRET_ACCESS_KEY'),
      '. They stay in this browser tab only (session storage) and every call is signed with SigV4.'),
    had ? h('p.note', `The saved credentials were refused: ${why.message}`) : null,
    field('Access key ID', key), field('Secret access key', secret),
    field('Region', region, 'The region whose APIs you manage (default us-east-1).'),
    slot, h('div.actions', submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const creds = { accessKeyId: key.value.trim(), secretAccessKey: secret.value, region: region.value.trim() || 'us-east-1' };
    const ok = await busy(submit, slot, async () => {
      setCreds(creds);
      try {
        await get('/restapis', { limit: 1 });
      } catch (err) {
        setCreds(null);
        throw err;
      }
      return true;
    }, 'Checking…');
    if (ok) done(); else secret.focus();
  });
  main.replaceChildren(form);
  showError(slot, null);
  (had ? secret : key).focus();
}
