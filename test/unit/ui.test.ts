/**
 * The pages' `ui` config (issue 18): its fields and aliases, the language a page is shown in
 * (ui_locales, then Accept-Language), the message catalogues, and templates checked at start.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { ConfigError } from '../../src/errors.js';
import { loadConfig, validateConfig } from '../../src/app/config.js';
import { negotiateLanguage } from '../../src/app/ui/language.js';
import { CATALOGUES, ENGLISH } from '../../src/app/ui/messages.js';
import { checkTemplate } from '../../src/app/ui/templates.js';
import { consentPage, createTheme, loginPage, signOutPage } from '../../src/app/views.js';
import { deviceCodePage } from '../../src/app/device-views.js';
import { problemPage } from '../../src/app/problem.js';
import { themePages } from '../../src/app/ui/pages.js';

function refused(run: () => unknown, field: string, message: RegExp): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.field, field);
    assert.match(err.message, message);
    return true;
  });
}

async function refusedAsync(run: () => Promise<unknown>, field: string, message: RegExp): Promise<void> {
  await assert.rejects(run, (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.field, field);
    assert.match(err.message, message);
    return true;
  });
}

const SIGN_IN_TEMPLATE = `<!doctype html><html lang="{{lang}}"><head><title>{{title}}</title>{{style}}<style>.mine{color:#111}</style></head>
<body>{{brand}}<h1 class="mine">Welcome to {{productName}}</h1><p>{{clientName}}</p>{{error}}
<form method="post" action="{{action}}"><input type="hidden" name="csrf_token" value="{{ csrf }}">
<input name="username" value="{{username}}"><input name="password" type="password"><button>{{t.signInButton}}</button></form></body></html>`;

async function configDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-ui-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

describe('config: ui', () => {
  it('reads product name, logo, colour, per-language scopes and languages', () => {
    const config = validateConfig({
      ui: { productName: 'Acme', logoUrl: 'https://cdn.acme.example/logo.svg', primaryColor: '#0f766e', scopes: { read: 'Read your files', write: { en: 'Change your files', de: 'Ihre Dateien ändern' } }, languages: ['de', 'en'] },
    });
    assert.deepEqual(config.branding, {
      productName: 'Acme', logoUrl: 'https://cdn.acme.example/logo.svg', primaryColor: '#0f766e',
      scopeDescriptions: { read: 'Read your files', write: { en: 'Change your files', de: 'Ihre Dateien ändern' } }, languages: ['de', 'en'],
    });
  });

  it('keeps branding and scopeDescriptions as aliases, and refuses the same thing given under both names', () => {
    const config = validateConfig({ branding: { productName: 'Old' }, scopeDescriptions: { read: 'Read' }, ui: { primaryColor: '#123' } });
    assert.deepEqual(config.branding, { productName: 'Old', scopeDescriptions: { read: 'Read' }, primaryColor: '#123' });
    refused(() => validateConfig({ branding: { productName: 'Old' }, ui: { productName: 'New' } }), 'config.ui.productName', /also given as config\.branding\.productName/);
    refused(() => validateConfig({ scopeDescriptions: { read: 'a' }, ui: { scopes: { read: 'b' } } }), 'config.ui.scopes', /also given as config\.scopeDescriptions/);
  });

  it('checks every field, naming it', () => {
    refused(() => validateConfig({ ui: { logoUrl: 'http://x.example/l.png' } }), 'config.ui.logoUrl', /must be an https URL/);
    refused(() => validateConfig({ ui: { primaryColor: 'red;}' } }), 'config.ui.primaryColor', /must be a CSS hex colour/);
    refused(() => validateConfig({ ui: { languages: ['en', 'xx'] } }), 'config.ui.languages[1]', /built-in languages en, de/);
    refused(() => validateConfig({ ui: { languages: [] } }), 'config.ui.languages', /at least one/);
    refused(() => validateConfig({ ui: { languages: ['de', 'de'] } }), 'config.ui.languages', /twice/);
    refused(() => validateConfig({ ui: { scopes: { read: { fr: 'Lire' } } } }), 'config.ui.scopes.read.fr', /not a known field/);
    refused(() => validateConfig({ ui: { templates: { home: './home.html' } } }), 'config.ui.templates.home', /not a known field; allowed: sign-in, consent/);
    refused(() => validateConfig({ ui: { colour: '#fff' } }), 'config.ui.colour', /not a known field/);
  });
});

describe('language negotiation', () => {
  it('takes ui_locales first (OpenID Connect Core §3.1.2.1), then Accept-Language by q-value, then the first language offered', () => {
    assert.equal(negotiateLanguage(['en', 'de'], 'de-CH en', 'en'), 'de');
    assert.equal(negotiateLanguage(['en', 'de'], 'fr', 'en;q=0.5, de-DE;q=0.9'), 'de');
    assert.equal(negotiateLanguage(['en', 'de'], undefined, 'de;q=0.2, en;q=0.8'), 'en');
    assert.equal(negotiateLanguage(['en', 'de'], undefined, 'fr, de;q=0'), 'en', 'q=0 means not this one');
    assert.equal(negotiateLanguage(['en', 'de'], undefined, undefined), 'en');
    assert.equal(negotiateLanguage(['de', 'en'], undefined, 'fr'), 'de', 'the first offered is the default');
    assert.equal(negotiateLanguage(['en'], 'de', 'de'), 'en', 'only offered languages are chosen');
  });
});

describe('pages in two languages', () => {
  it('every catalogue has every message, and the English labels are the contract (DESIGN.md)', () => {
    for (const [lang, messages] of Object.entries(CATALOGUES)) assert.deepEqual(Object.keys(messages).sort(), Object.keys(ENGLISH).sort(), lang);
    assert.deepEqual([ENGLISH.username, ENGLISH.password, ENGLISH.signInButton, ENGLISH.allow, ENGLISH.deny], ['Username', 'Password', 'Sign in', 'Allow', 'Deny']);
  });

  it('a German page has lang="de", German labels, and Content-Language and Vary headers', () => {
    const theme = createTheme({}).forRequest({ acceptLanguage: 'de-DE,de;q=0.9,en;q=0.5' });
    const page = loginPage({ action: '/authorize/login', clientName: 'App', csrf: 'c' }, theme);
    assert.match(page, /<html lang="de">/);
    assert.match(page, /<label for="username">Benutzername<\/label>/);
    assert.match(page, /<button type="submit">Anmelden<\/button>/);
    assert.equal(theme.headers['Content-Language'], 'de');
    assert.equal(theme.headers.Vary, 'Accept-Language');
    const english = createTheme({}).forRequest({ acceptLanguage: 'fr' });
    assert.match(loginPage({ action: '/a', clientName: 'App', csrf: 'c' }, english), /<html lang="en">[\s\S]*<label for="username">Username<\/label>/);
  });

  it('scope descriptions follow the language, falling back to the default language', () => {
    const theme = createTheme({ scopeDescriptions: { read: { en: 'Read your files', de: 'Ihre Dateien lesen' }, write: { en: 'Change your files' }, admin: 'Administer' } });
    const view = { action: '/authorize', clientName: 'App', username: 'u', scopes: ['read', 'write', 'admin'], csrf: 'c', nonce: 'n' };
    const de = consentPage(view, theme.forRequest({ uiLocales: 'de' }));
    assert.match(de, /Ihre Dateien lesen<\/span><code>read/);
    assert.match(de, /Change your files<\/span><code>write/);
    assert.match(de, /Administer<\/span><code>admin/);
    assert.match(de, /value="allow">Erlauben</);
  });

  it('branding is on every page: error, sign-out, signed-out and device pages too', () => {
    const theme = createTheme({ productName: 'Acme Files' });
    const pages = [
      problemPage(400, 'x', themePages(theme)).body,
      signOutPage({ action: '/logout', csrf: 'c', username: 'u' }, theme),
      signOutPage({ action: '/logout', csrf: '', username: undefined }, theme),
      deviceCodePage({ action: '/device', csrf: 'c' }, theme),
    ];
    for (const page of pages) {
      assert.match(page, /<p class="brand named">Acme Files<\/p>/);
      assert.doesNotMatch(page, /tollgate/);
    }
  });

  it('consent offers "Not you? Sign out": a POST to the sign-out path with the CSRF token', () => {
    const page = consentPage({ action: '/authorize', clientName: 'App', username: 'u', scopes: [], csrf: 'tok', nonce: 'n', signOutAction: '/logout' }, createTheme({}));
    assert.match(page, /<form method="post" action="\/logout" class="muted">\s*<input type="hidden" name="csrf_token" value="tok">\s*<input type="hidden" name="resume" value="authorization">\s*Not you\? <button type="submit" class="link">Sign out<\/button>/);
  });
});

describe('templates', () => {
  it('a template is filled in, values escaped, its own <style> allowed by hash in the CSP', () => {
    const template = checkTemplate('sign-in', 'sign-in.html', SIGN_IN_TEMPLATE, 'config.ui.templates.sign-in');
    const theme = createTheme({ productName: 'Acme <Files>', templates: { 'sign-in': template } });
    const page = loginPage({ action: '/authorize/login', clientName: '<script>x</script>', csrf: 'c"1', username: 'a&b' }, theme);
    assert.match(page, /Welcome to Acme &lt;Files&gt;/);
    assert.match(page, /<p>&lt;script&gt;x&lt;\/script&gt;<\/p>/);
    assert.match(page, /value="c&quot;1"/);
    assert.match(page, /<button>Sign in<\/button>/);
    assert.match(page, /<p class="brand named">Acme &lt;Files&gt;<\/p>/, 'brand is markup tollgate built');
    const hash = createHash('sha256').update('.mine{color:#111}').digest('base64');
    assert.ok(theme.headers['Content-Security-Policy']?.includes(`'sha256-${hash}'`));
    assert.doesNotMatch(theme.headers['Content-Security-Policy'] ?? '', /unsafe-inline|script-src/);
  });

  it('refuses an unknown placeholder, a missing form field, a script or a style attribute, naming the file', () => {
    const field = 'config.ui.templates.sign-in';
    refused(() => checkTemplate('sign-in', 'p.html', SIGN_IN_TEMPLATE.replace('{{title}}', '{{pageTitle}}'), field), field, /p\.html: unknown placeholder \{\{pageTitle\}\}/);
    refused(() => checkTemplate('sign-in', 'p.html', SIGN_IN_TEMPLATE.replace('name="csrf_token"', 'name="token"'), field), field, /p\.html: the sign-in page must contain name="csrf_token"/);
    refused(() => checkTemplate('sign-in', 'p.html', SIGN_IN_TEMPLATE.replace('</body>', '<script>1</script></body>'), field), field, /scripts are not allowed/);
    refused(() => checkTemplate('sign-in', 'p.html', SIGN_IN_TEMPLATE.replace('<h1 class="mine">', '<h1 style="color:red">'), field), field, /style attributes/);
    const consent = 'action="{{action}}" {{csrf}} {{request}} {{clientName}} {{resources}} {{notice}} name="csrf_token" name="request" name="decision"';
    refused(() => checkTemplate('consent', 'c.html', consent, 'config.ui.templates.consent'), 'config.ui.templates.consent', /c\.html: the consent page must contain \{\{scopes\}\}/);
  });

  it('loadConfig reads templates relative to the config file and refuses a missing one', async () => {
    const dir = await configDir({ 'sign-in.html': SIGN_IN_TEMPLATE, 'ok.json': JSON.stringify({ ui: { templates: { 'sign-in': './sign-in.html' } } }), 'gone.json': JSON.stringify({ ui: { templates: { error: './nope.html' } } }) });
    const config = await loadConfig(join(dir, 'ok.json'));
    assert.equal(config.branding.templates?.['sign-in']?.source, SIGN_IN_TEMPLATE);
    await refusedAsync(() => loadConfig(join(dir, 'gone.json')), 'config.ui.templates.error', /cannot read \.\/nope\.html: ENOENT/);
  });
});

describe('config: users from a module', () => {
  it('loads the module relative to the config file; a missing module or getUser export is a config error', async () => {
    const dir = await configDir({
      'users.mjs': 'export async function getUser(u, p) { return u === "ada" && p === "pw" ? { id: "1", username: "ada" } : null; }',
      'bad.mjs': 'export const getUsers = 1;',
      'ok.json': JSON.stringify({ users: { module: './users.mjs' } }),
      'missing.json': JSON.stringify({ users: { module: './none.mjs' } }),
      'bad.json': JSON.stringify({ users: { module: './bad.mjs' } }),
      'workers.json': JSON.stringify({ users: { module: './users.mjs' }, workers: 2, store: 'sqlite:x.db' }),
    });
    const config = await loadConfig(join(dir, 'ok.json'));
    assert.equal(config.usersModule, join(dir, 'users.mjs'));
    assert.deepEqual(config.users, []);
    await refusedAsync(() => loadConfig(join(dir, 'missing.json')), 'config.users.module', /cannot load .*none\.mjs/);
    await refusedAsync(() => loadConfig(join(dir, 'bad.json')), 'config.users.module', /bad\.mjs must export a function getUser\(username, password\)/);
    await refusedAsync(() => loadConfig(join(dir, 'workers.json')), 'config.workers', /exports no getUserById/);
    refused(() => validateConfig({ users: { module: './u.mjs', file: 'x' } }), 'config.users.file', /not a known field; allowed: module/);
  });
});
