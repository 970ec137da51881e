/**
 * tollgate/pages (issue 18): the built-in pages for a library host, checked options, the language
 * a request asks for, and the headers that keep the pages CSP-strict.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ConfigError } from '../../src/errors.js';
import { createPages } from '../../src/pages.js';

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
const consentView = { action: '/authorize', clientName: 'Web <App>', username: 'alice', scopes: ['read', 'write'], csrf: 'c"1', nonce: 'n1' };

describe('createPages', () => {
  it('renders the sign-in page with the page headers: a CSP that allows exactly its inline stylesheet, no script, no framing', () => {
    const page = createPages().signIn({ action: '/authorize', clientName: 'Web App', csrf: 'tok' });
    assert.equal(page.status, 200);
    assert.match(page.body, /<form method="post" action="\/authorize">[\s\S]*name="csrf_token" value="tok"[\s\S]*<label for="username">Username<\/label>/);
    const style = /<style>([\s\S]*?)<\/style>/.exec(page.body)?.[1] ?? '';
    const csp = page.headers['Content-Security-Policy'] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.ok(csp.includes(`style-src ${sha256(style)}`), csp);
    assert.doesNotMatch(csp, /script-src|unsafe-inline/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers['Cache-Control'], 'no-store');
    assert.equal(page.headers['Content-Language'], 'en');
  });

  it('forRequest: ui_locales first, then Accept-Language; the scope descriptions in that language, values escaped', () => {
    const pages = createPages({ productName: 'Acme', scopes: { read: { en: 'Read your files', de: 'Ihre Dateien lesen' }, write: 'Change your files' } });
    const german = pages.forRequest({ acceptLanguage: 'fr, de;q=0.8' });
    assert.equal(german.lang, 'de');
    assert.equal(german.messages.incorrectCredentials, 'Benutzername oder Passwort ist falsch.');
    const page = german.consent(consentView);
    assert.equal(page.headers['Content-Language'], 'de');
    assert.match(page.body, /<span class="description">Ihre Dateien lesen<\/span><code>read<\/code>/);
    assert.match(page.body, /<span class="description">Change your files<\/span><code>write<\/code>/);
    assert.match(page.body, /<strong>Web &lt;App&gt;<\/strong>/);
    assert.match(page.body, /name="csrf_token" value="c&quot;1"/);
    assert.equal(pages.forRequest({ uiLocales: 'en', acceptLanguage: 'de' }).lang, 'en');
    assert.equal(pages.forRequest({ acceptLanguage: 'de' }), german, 'one Pages per language, not one per request');
  });

  it('error pages keep their status; the device and sign-out pages are there too', () => {
    const pages = createPages({ productName: 'Acme' });
    const error = pages.error({ description: 'Unknown client', status: 400 });
    assert.equal(error.status, 400);
    assert.match(error.body, /<p class="alert" role="alert">Unknown client<\/p>/);
    assert.match(pages.deviceCode({ action: '/device', csrf: 'c', userCode: 'ABCD-EFGH' }).body, /name="user_code"[^>]*value="ABCD-EFGH"/);
    assert.match(pages.deviceDone({ approved: false, clientName: 'TV' }).body, /<strong>TV<\/strong> was not given access/);
    assert.match(pages.signOut({ action: '/logout', csrf: 'c', username: 'alice' }).body, /Signed in as alice/);
    for (const page of [error, pages.signedOut()]) assert.match(page.body, /<p class="brand named">Acme<\/p>/);
  });

  it('a logo and a colour change the CSP (the logo origin, the stylesheet hash)', () => {
    const plain = createPages().error({ description: 'x' }).headers['Content-Security-Policy'];
    const branded = createPages({ logoUrl: 'https://cdn.example.com/logo.svg', primaryColor: '#0f766e' }).error({ description: 'x' }).headers['Content-Security-Policy'] ?? '';
    assert.match(branded, /img-src https:\/\/cdn\.example\.com(;|$)/);
    assert.notEqual(/style-src [^;]+/.exec(branded)?.[0], /style-src [^;]+/.exec(plain ?? '')?.[0]);
  });

  it('a template replaces a page whole, its own <style> allowed by hash', () => {
    const css = 'h1{color:teal}';
    const pages = createPages({ templates: { error: `<!doctype html><html lang="{{lang}}"><style>${css}</style><h1>{{t.problemTitle}}</h1><p>{{description}}</p></html>` } });
    const page = pages.forRequest({ acceptLanguage: 'de' }).error({ description: '<b>x</b>' });
    assert.equal(page.body, `<!doctype html><html lang="de"><style>${css}</style><h1>Diese Anfrage kann nicht abgeschlossen werden</h1><p>&lt;b&gt;x&lt;/b&gt;</p></html>`);
    assert.ok(page.headers['Content-Security-Policy']?.includes(sha256(css)));
  });

  it('bad options throw a ConfigError naming the option', () => {
    const refused = (options: Parameters<typeof createPages>[0], field: string, message: RegExp) =>
      assert.throws(() => createPages(options), (err: unknown) => err instanceof ConfigError && err.field === field && message.test(err.message));
    refused({ logoUrl: 'http://cdn.example.com/logo.svg' }, 'pages.logoUrl', /https URL/);
    refused({ primaryColor: 'red;}body{display:none' }, 'pages.primaryColor', /hex colour/);
    refused({ languages: ['fr'] }, 'pages.languages[0]', /built-in languages en, de/);
    refused({ templates: { consent: '<form>{{action}}</form>' } }, 'pages.templates.consent', /must contain \{\{csrf\}\}/);
    refused({ templates: { error: '<p>{{description}}</p><script>x()</script>' } }, 'pages.templates.error', /scripts are not allowed/);
    refused({ templates: { 'log-in': '<p></p>' } as never }, 'pages.templates.log-in', /is not a page/);
    refused({ colour: '#fff' } as never, 'pages.colour', /not a known option/);
  });
});
