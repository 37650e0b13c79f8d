// Custom domain names (account-level): the list, *Create custom domain* with the certificate
// uploaded as PEM files (or an ACM ARN read from the gateway's certificate directory), and a
// domain's page with its base path mappings (base path → API → stage), the URL each serves
// with a copy button, adding and removing mappings.
import { h, clear, field, errorSlot, busy, dialog, confirmDialog, flash, showError, copyButton } from './ui.js';
import { get, all, post, del, path } from './api.js';
import { go } from './nav.js';

export const POLICIES = ['TLS_1_2', 'TLS_1_0', 'SecurityPolicy_TLS13_1_3_2025_09', 'SecurityPolicy_TLS13_1_2_2021_06'];

// The URL a mapping serves: https://{domain}/{basePath}/ (the root for `(none)`); a mapping
// without a stage takes it from the path.
export function mappingUrl(domainName, m) {
  const base = m.basePath && m.basePath !== '(none)' ? `/${m.basePath}` : '';
  const stage = m.stage ? '' : '/{stage}';
  return `https://${domainName}${base}${stage}/`;
}

// The CreateDomainName body for the form's values; PEM texts as uploaded.
export function createDomainBody(v) {
  const name = v.name.trim().toLowerCase();
  if (!name) throw new Error('Give the domain name (e.g. api.example.com or *.example.com).');
  const regional = v.endpointType === 'REGIONAL';
  const body = { domainName: name, endpointConfiguration: { types: [v.endpointType] }, securityPolicy: v.securityPolicy };
  if (v.certificateArn.trim()) {
    body[regional ? 'regionalCertificateArn' : 'certificateArn'] = v.certificateArn.trim();
  } else {
    if (!v.certificateBody.includes('BEGIN CERTIFICATE')) throw new Error('Choose the certificate (PEM) or give an ACM certificate ARN.');
    if (!v.certificatePrivateKey.includes('PRIVATE KEY')) throw new Error('Choose the private key (PEM) of the certificate.');
    body.certificateBody = v.certificateBody;
    body.certificatePrivateKey = v.certificatePrivateKey;
    if (v.certificateChain.trim()) body.certificateChain = v.certificateChain;
  }
  if (v.truststoreUri.trim()) body.mutualTlsAuthentication = { truststoreUri: v.truststoreUri.trim() };
  return body;
}

const target = (d) => d.regionalDomainName || d.distributionDomainName || '—';

export async function domainsPage(main) {
  const domains = await all('/domainnames');
  const createBtn = h('button.primary', { type: 'button' }, 'Create custom domain');
  createBtn.addEventListener('click', async () => {
    const made = await createDialog();
    if (made) { go(`#/domains/${encodeURIComponent(made.domainName)}`); flash(`Custom domain ${made.domainName} created.`); }
  });
  clear(main,
    h('div.page-head', h('h1', 'Custom domain names'), h('div.actions', createBtn)),
    h('p.hint', 'A request whose Host is one of these names is served by its base path mappings. Locally: ',
      h('code', `curl -H 'Host: api.example.com' ${location.origin}/v1/…`), '.'),
    domains.length
      ? h('table.list.domains', h('thead', h('tr', ['Domain name', 'Endpoint', 'Target domain name', 'Security policy', 'Mutual TLS']
        .map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', domains.map((d) => h('tr', { dataset: { domain: d.domainName } },
        h('th', { scope: 'row' }, h('a', { href: `#/domains/${encodeURIComponent(d.domainName)}` }, d.domainName)),
        h('td', (d.endpointConfiguration && d.endpointConfiguration.types || []).join(', ')),
        h('td', h('code', target(d))),
        h('td', d.securityPolicy || '—'),
        h('td', d.mutualTlsAuthentication ? h('code', d.mutualTlsAuthentication.truststoreUri) : h('span.muted', 'off'))))))
      : h('div.empty', h('p', 'No custom domain names yet.'), h('p', 'Create one here, or use ',
        h('code', 'aws apigateway create-domain-name --endpoint-url ' + location.origin), '.')));
}

function fileInput(name, target) {
  const input = h('input', { type: 'file', name, accept: '.pem,.crt,.key,text/plain' });
  input.addEventListener('change', async () => {
    const f = input.files && input.files[0];
    if (f) target.value = await f.text();
  });
  return input;
}

function createDialog() {
  return dialog('Create custom domain', (close) => {
    const name = h('input', { name: 'domainName', autofocus: true, spellcheck: 'false', placeholder: 'api.example.com' });
    const type = h('select', { name: 'endpointType' }, ['REGIONAL', 'EDGE'].map((t) => h('option', { value: t }, t)));
    const policy = h('select', { name: 'securityPolicy' }, POLICIES.map((p) => h('option', { value: p }, p)));
    const body = h('textarea', { name: 'certificateBody', rows: 3, spellcheck: 'false', placeholder: '-----BEGIN CERTIFICATE-----' });
    const key = h('textarea', { name: 'certificatePrivateKey', rows: 3, spellcheck: 'false', placeholder: '-----BEGIN PRIVATE KEY-----' });
    const chain = h('textarea', { name: 'certificateChain', rows: 2, spellcheck: 'false' });
    const arn = h('input', { name: 'certificateArn', spellcheck: 'false', placeholder: 'arn:aws:acm:us-east-1:000000000000:certificate/…' });
    const trust = h('input', { name: 'truststoreUri', spellcheck: 'false', placeholder: 'file:///path/to/truststore.pem' });
    const slot = errorSlot();
    const submit = h('button.primary', { type: 'submit' }, 'Create custom domain');
    const form = h('form',
      field('Domain name', name), field('Endpoint type', type), field('Security policy', policy),
      field('Certificate (PEM)', h('div', fileInput('certificateFile', body), body)),
      field('Private key (PEM)', h('div', fileInput('keyFile', key), key), 'Kept by the gateway; never shown again.'),
      field('Certificate chain (PEM, optional)', h('div', fileInput('chainFile', chain), chain)),
      field('…or an ACM certificate ARN', arn, 'Read from the gateway\'s certificate directory: {id}.crt and {id}.key.'),
      field('Mutual TLS truststore (optional)', trust),
      slot, h('div.actions', h('button', { type: 'button', onclick: () => close() }, 'Cancel'), submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      let req;
      try {
        req = createDomainBody({ name: name.value, endpointType: type.value, securityPolicy: policy.value,
          certificateBody: body.value, certificatePrivateKey: key.value, certificateChain: chain.value,
          certificateArn: arn.value, truststoreUri: trust.value });
      } catch (err) {
        showError(slot, err);
        return;
      }
      const made = await busy(submit, slot, () => post('/domainnames', req), 'Creating…');
      if (made) close(made);
    });
    return form;
  }, { wide: true });
}

export async function domainPage(main, name) {
  const [d, mappings, apis] = await Promise.all([
    get(path('domainnames', name)), all(path('domainnames', name, 'basepathmappings')), all('/restapis')]);
  const apiName = new Map(apis.map((a) => [a.id, a.name]));
  const reload = () => go(`#/domains/${encodeURIComponent(name)}`);
  const rmDomain = h('button.danger', { type: 'button' }, 'Delete domain');
  rmDomain.addEventListener('click', async () => {
    const ok = await confirmDialog('Delete custom domain', [h('p', 'Delete ', h('strong', name), ' and its base path mappings? Requests for it are refused at once.')],
      'Delete domain', { danger: true, action: () => del(path('domainnames', name)) });
    if (ok) { go('#/domains'); flash(`Custom domain ${name} deleted.`); }
  });
  const rows = mappings.map((m) => {
    const slot = errorSlot();
    const rm = h('button.small.danger', { type: 'button', 'aria-label': `Remove the mapping ${m.basePath}` }, 'Remove');
    rm.addEventListener('click', async () => {
      const ok = await confirmDialog('Remove base path mapping', [h('p', 'Remove the mapping ', h('strong', m.basePath), '?')],
        'Remove mapping', { danger: true, action: () => del(path('domainnames', name, 'basepathmappings', m.basePath)) });
      if (ok) { reload(); flash(`Mapping ${m.basePath} removed.`); }
    });
    const url = mappingUrl(name, m);
    return h('tr', { dataset: { basePath: m.basePath } },
      h('th', { scope: 'row' }, h('code', m.basePath)),
      h('td', h('a', { href: `#/apis/${encodeURIComponent(m.restApiId)}` }, apiName.get(m.restApiId) || m.restApiId)),
      h('td', m.stage ? h('a', { href: `#/apis/${encodeURIComponent(m.restApiId)}/stages/${encodeURIComponent(m.stage)}` }, m.stage) : h('span.muted', 'from the path')),
      h('td.mapping-url', h('code', url), ' ', copyButton(url, 'Copy URL')),
      h('td.row-actions', rm, slot));
  });
  clear(main,
    h('p.crumbs', h('a', { href: '#/domains' }, 'Custom domain names'), ' / ', name),
    h('div.page-head', h('h1', name), h('div.actions', rmDomain)),
    h('dl.facts',
      h('dt', 'Endpoint'), h('dd', (d.endpointConfiguration && d.endpointConfiguration.types || []).join(', ')),
      h('dt', 'Target domain name'), h('dd', h('code', target(d))),
      h('dt', 'Security policy'), h('dd', d.securityPolicy),
      h('dt', 'Certificate'), h('dd', d.regionalCertificateArn || d.certificateArn || d.certificateName || d.regionalCertificateName || 'uploaded PEM'),
      h('dt', 'Mutual TLS'), h('dd', d.mutualTlsAuthentication ? d.mutualTlsAuthentication.truststoreUri : 'off')),
    h('h2', 'Base path mappings'),
    mappings.length
      ? h('table.list.mappings', h('thead', h('tr', ['Base path', 'API', 'Stage', 'URL', h('span.sr-only', 'Actions')].map((c) => h('th', { scope: 'col' }, c)))), h('tbody', rows))
      : h('p.empty', 'No mappings: every request for this name is answered 403.'),
    mappingForm(name, apis, reload));
}

function mappingForm(name, apis, reload) {
  const base = h('input', { name: 'basePath', spellcheck: 'false', placeholder: '(none)' });
  const api = h('select', { name: 'restApiId' }, h('option', { value: '' }, 'Choose an API'),
    apis.map((a) => h('option', { value: a.id }, `${a.name} (${a.id})`)));
  const stage = h('select', { name: 'stage', disabled: true }, h('option', { value: '' }, '—'));
  api.addEventListener('change', async () => {
    clear(stage, h('option', { value: '' }, 'from the path'));
    stage.disabled = !api.value;
    if (!api.value) return;
    const stages = await get(path('restapis', api.value, 'stages'));
    for (const s of (stages && stages.item) || []) stage.append(h('option', { value: s.stageName }, s.stageName));
    if (stage.options.length > 1) stage.selectedIndex = 1;
  });
  const slot = errorSlot();
  const submit = h('button.primary', { type: 'submit' }, 'Add mapping');
  const form = h('form.mapping-form', h('h3', 'Add a mapping'),
    field('Base path', base, 'Empty or (none): the root of the domain, and no other mapping.'), field('API', api), field('Stage', stage),
    slot, h('div.actions', submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!api.value) { showError(slot, new Error('Choose an API.')); return; }
    const req = { restApiId: api.value, basePath: base.value.trim() || '(none)' };
    if (stage.value) req.stage = stage.value;
    const made = await busy(submit, slot, () => post(path('domainnames', name, 'basepathmappings'), req), 'Adding…');
    if (made) { reload(); flash(`Mapping ${made.basePath} added.`); }
  });
  return form;
}
