/**
 * Every example starts as its README says (with PORT=0), prints its URL, and issues a client_credentials
 * token that its /secure accepts. On each host, an openid-client code flow goes through the app's own
 * sign-in and consent pages (examples/shared/pages.ts); examples/pages walks it through tollgate's
 * own pages (tollgate/pages) in headless Chromium.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/app-browser.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = ['node', 'express', 'fastify', 'koa', 'hono', 'compat', 'compat-cjs', 'pages'];
/** How an example starts when not `node --import tsx examples/<name>/server.ts`: compat-cjs is plain CommonJS on the built package. */
const COMMANDS: Readonly<Record<string, readonly string[]>> = { 'compat-cjs': ['examples/compat-cjs/server.cjs'] };
const children: ChildProcess[] = [];

after(async () => {
  for (const child of children) {
    if (child.exitCode !== null) continue;
    child.kill();
    await once(child, 'exit');
  }
});

/** Starts an example (by default `node --import tsx examples/<name>/server.ts`) on a free port and resolves to the URL it prints. */
async function start(name: string, port = 0): Promise<string> {
  const args = COMMANDS[name] ?? ['--import', 'tsx', `examples/${name}/server.ts`];
  const child = spawn(process.execPath, [...args], { cwd: ROOT, env: { ...process.env, PORT: String(port) } });
  children.push(child);
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`examples/${name} exited with ${code}:\n${output}`)));
  });
}

for (const name of EXAMPLES) {
  test(`examples/${name}: issues a client_credentials token its /secure accepts (RFC 6749 §4.4, RFC 6750 §2.1)`, async () => {
    const url = await start(name);
    const response = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('demo:demo-secret').toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    const body = (await response.json()) as { access_token?: string };
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(typeof body.access_token, 'string');
    const secure = await fetch(`${url}/secure`, { headers: { authorization: `Bearer ${body.access_token}` } });
    assert.equal(secure.status, 200);
    assert.equal(await secure.text(), 'Hello, demo!');
    assert.equal((await fetch(`${url}/secure`)).status, 401);
  });
}

test('examples/compat-cjs: the CommonJS app\'s error handler tells errors apart with the statics: RFC 6749 §5.2 JSON, a bare challenge without credentials, a model\'s own error (RFC 6750 §3.1)', async () => {
  const url = await start('compat-cjs');
  const token = (credentials: string) =>
    fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(credentials).toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
  const wrong = await token('demo:wrong');
  assert.equal(wrong.status, 401);
  assert.equal(((await wrong.json()) as { error?: string }).error, 'invalid_client');
  const suspended = await token('suspended:suspended-secret');
  assert.equal(suspended.status, 400);
  assert.deepEqual(await suspended.json(), { error: 'invalid_grant', error_description: 'Client account suspended' });
  const bare = await fetch(`${url}/secure`);
  assert.equal(bare.status, 401);
  assert.equal(bare.headers.get('www-authenticate'), 'Bearer realm="Service"');
  assert.equal(await bare.text(), '');
  const invalid = await fetch(`${url}/secure`, { headers: { authorization: 'Bearer nope' } });
  assert.equal(invalid.status, 401);
  assert.equal(((await invalid.json()) as { error?: string }).error, 'invalid_token');
});

/** The hosts whose examples serve the authorization endpoint through examples/shared/pages.ts. */
const HOSTS = ['node', 'express', 'fastify', 'koa', 'hono'];
const REDIRECT_URI = 'http://localhost:8080/callback';

/** A port free right now: the issuer names it, so the example must listen on it (not on PORT=0). */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  return port;
}

/** A browser stand-in: one cookie jar, redirects not followed. */
function browser(base: string) {
  const jar = new Map<string, string>();
  return async (path: string | URL, form?: Record<string, string>): Promise<{ status: number; location: string | null; body: string }> => {
    const headers: Record<string, string> = { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') };
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(new URL(path, base), { method: form ? 'POST' : 'GET', headers, body: form ? new URLSearchParams(form) : null, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return { status: response.status, location: response.headers.get('location'), body: await response.text() };
  };
}

const decodeHtml = (text: string): string => text.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
const formAction = (html: string): string => decodeHtml(/<form method="post" action="([^"]*)"/.exec(html)?.[1] ?? assert.fail(`no form on the page:\n${html}`));
const interactionId = (html: string): string => decodeHtml(/name="interaction" value="([^"]*)"/.exec(html)?.[1] ?? assert.fail(`no interaction field:\n${html}`));

/** openid-client's authorization request for `web-app`, with PKCE (RFC 7636) and state. */
async function authorizationRequest(issuer: string) {
  const config = await client.discovery(new URL(issuer), 'web-app', undefined, client.ClientSecretBasic('web-app-secret'), { execute: [client.allowInsecureRequests], algorithm: 'oauth2' });
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'read',
    state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return { config, verifier, state, url };
}

for (const name of HOSTS) {
  describe(`examples/${name}: the app's own sign-in and consent pages`, () => {
    let issuer: string;
    const ready = (async () => {
      const port = await freePort();
      await start(name, port);
      issuer = `http://localhost:${port}`;
    })();

    test('sign in, Allow, and openid-client redeems the code; the token opens /secure (RFC 6749 §4.1, RFC 7636, RFC 9207)', async () => {
      await ready;
      const { config, verifier, state, url } = await authorizationRequest(issuer);
      const go = browser(issuer);
      const signIn = await go(url);
      assert.equal(signIn.status, 200);
      assert.match(signIn.body, /Sign in to continue to Web App/);
      const wrong = await go(formAction(signIn.body), { interaction: interactionId(signIn.body), username: 'alice', password: 'not it' });
      assert.equal(wrong.status, 200);
      assert.match(wrong.body, /role="alert">Incorrect username or password/);
      const consent = await go(formAction(wrong.body), { interaction: interactionId(wrong.body), username: 'alice', password: 'wonderland' });
      assert.equal(consent.status, 200);
      assert.match(consent.body, /Web App asks for: read/);
      const allowed = await go(formAction(consent.body), { interaction: interactionId(consent.body), decision: 'allow' });
      assert.equal(allowed.status, 303, 'a form POST is answered 303 (RFC 9700 §4.12)');
      assert.ok(allowed.location?.startsWith(`${REDIRECT_URI}?`), allowed.location ?? allowed.body);
      const tokens = await client.authorizationCodeGrant(config, new URL(allowed.location ?? ''), { pkceCodeVerifier: verifier, expectedState: state });
      const secure = await fetch(`${issuer}/secure`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      assert.equal(await secure.text(), 'Hello, web-app!');
    });

    test('Deny redirects with access_denied and no code (RFC 6749 §4.1.2.1)', async () => {
      await ready;
      const { url } = await authorizationRequest(issuer);
      const go = browser(issuer);
      const signIn = await go(url);
      const consent = await go(formAction(signIn.body), { interaction: interactionId(signIn.body), username: 'alice', password: 'wonderland' });
      const denied = await go(formAction(consent.body), { interaction: interactionId(consent.body), decision: 'deny' });
      const location = new URL(denied.location ?? assert.fail(denied.body));
      assert.equal(location.searchParams.get('error'), 'access_denied');
      assert.equal(location.searchParams.get('code'), null);
    });
  });
}

describe('examples/shared/pages.ts: the waiting request belongs to the browser that started it', () => {
  let issuer: string;
  const ready = (async () => {
    const port = await freePort();
    await start('node', port);
    issuer = `http://localhost:${port}`;
  })();

  test('a form posted from another browser (without its cookie) does not reach the consent step: login CSRF (RFC 9700 §4.7)', async () => {
    await ready;
    const { url } = await authorizationRequest(issuer);
    const victim = browser(issuer);
    const signIn = await victim(url);
    const attacker = browser(issuer);
    const forged = await attacker(formAction(signIn.body), { interaction: interactionId(signIn.body), username: 'alice', password: 'wonderland' });
    assert.doesNotMatch(forged.body, /asks for/);
    assert.equal(forged.location, null);
  });

  test('the decision counts once: the consent form posted again starts over, no second code (RFC 6749 §4.1.2)', async () => {
    await ready;
    const { url } = await authorizationRequest(issuer);
    const go = browser(issuer);
    const signIn = await go(url);
    const consent = await go(formAction(signIn.body), { interaction: interactionId(signIn.body), username: 'alice', password: 'wonderland' });
    const form = { interaction: interactionId(consent.body), decision: 'allow' };
    assert.equal((await go(formAction(consent.body), form)).status, 303);
    const again = await go(formAction(consent.body), form);
    assert.notEqual(again.status, 303);
    assert.equal(again.location, null);
  });
});

describe('examples/pages: tollgate\'s own pages (tollgate/pages) in Chromium', () => {
  let issuer: string;
  let chromium: Browser | undefined;
  const ready = (async () => {
    chromium = await launchChromium();
    const port = await freePort();
    await start('pages', port);
    issuer = `http://localhost:${port}`;
  })();
  after(() => chromium?.close());

  for (const [locale, words] of [
    ['en-US', { username: 'Username', password: 'Password', signIn: 'Sign in', wrong: 'Incorrect username or password.', allow: 'Allow', scope: 'Read your files' }],
    ['de-DE', { username: 'Benutzername', password: 'Passwort', signIn: 'Anmelden', wrong: 'Benutzername oder Passwort ist falsch.', allow: 'Erlauben', scope: 'Ihre Dateien lesen' }],
  ] as const) {
    test(`${locale}: sign in (a wrong password first), consent with the scope's description, Allow; openid-client redeems the code; no CSP violation`, async (t) => {
      await ready;
      if (chromium === undefined) return t.skip('Chromium not found (launchChromium says why)');
      const { config, verifier, state, url } = await authorizationRequest(issuer);
      const context = await chromium.newContext({ locale });
      const page = await context.newPage();
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      // The client's redirect URI has no server here: the browser's request to it is caught and answered.
      let callback: string | undefined;
      await page.route(`${REDIRECT_URI}**`, (route) => ((callback = route.request().url()), route.fulfill({ body: 'client callback' })));
      await page.goto(url.href);
      assert.equal(await page.title(), `${words.signIn} · Acme Files`);
      // The inline stylesheet is allowed by its hash: the buttons have the configured colour.
      const button = page.getByRole('button', { name: words.signIn });
      assert.equal(await page.evaluate("getComputedStyle(document.querySelector('button')).backgroundColor"), 'rgb(15, 118, 110)');
      await page.getByLabel(words.username).fill('alice');
      await page.getByLabel(words.password).fill('not it');
      await button.click();
      await page.getByRole('alert').filter({ hasText: words.wrong }).waitFor();
      await page.getByLabel(words.password).fill('wonderland');
      await page.getByRole('button', { name: words.signIn }).click();
      await page.getByRole('button', { name: words.allow }).waitFor();
      assert.deepEqual(await page.locator('.scopes .description').allTextContents(), [words.scope]);
      await page.getByRole('button', { name: words.allow }).click();
      await page.waitForURL(`${REDIRECT_URI}**`);
      await context.close();
      assert.deepEqual(violations, []);
      const tokens = await client.authorizationCodeGrant(config, new URL(callback ?? assert.fail('no redirect to the client')), { pkceCodeVerifier: verifier, expectedState: state });
      const secure = await fetch(`${issuer}/secure`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      assert.equal(await secure.text(), 'Hello, web-app!');
    });
  }

  test('an unknown client sees the error page, never a redirect (RFC 6749 §4.1.2.1)', async () => {
    await ready;
    const response = await fetch(`${issuer}/authorize?response_type=code&client_id=nobody&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, { redirect: 'manual' });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.match(await response.text(), /<h1>This request cannot be completed<\/h1>/);
  });
});
