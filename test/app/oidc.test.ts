/**
 * OpenID Connect against `tollgate serve`, with openid-client (the relying-party library its users
 * run) in its default OIDC mode, and a person signing in and allowing in Chromium: discovery, code
 * + PKCE + nonce, the ID token validated by the library, UserInfo, refresh, prompt=none, max_age=0.
 * The prompt and login_hint behaviour of the pages is checked without a browser (an agent).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { RunningCli } from '../helpers/app-server.js';
import { demoConfig, startCli, tempDir } from '../helpers/app-server.js';
import { join } from 'node:path';
import { authorizeThroughPages, createAgent, hiddenField } from '../helpers/app-agent.js';
import { launchChromium } from '../helpers/app-browser.js';

const SECRET = 'rp-secret-of-at-least-32-characters!';
/** What the relying party asks for; it is registered for phone too. */
const SCOPE = 'openid profile email offline_access';
const CLAIMS = { name: 'Ada Admin', email: 'ada@example.com', email_verified: true, phone_number: '+1 555 0100' };
/** A browser relying party's origin, allowed by the config's CORS list. */
const SPA_ORIGIN = 'https://spa.example.com';

/** The relying party's redirect URI: a local server recording every URL the browser was sent to, and every form posted to it. */
const callbacks: string[] = [];
const posted: { url: string; body: string }[] = [];
const rpServer = createServer((req, res) => {
  const url = `http://127.0.0.1:${(rpServer.address() as AddressInfo).port}${req.url ?? ''}`;
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk));
  req.on('end', () => {
    if (req.method === 'POST') posted.push({ url, body });
    else callbacks.push(url);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('relying party callback');
  });
});

let cli: RunningCli;
/** The relying party's client and the user, as every server in this file is configured. */
let rpConfig: Record<string, unknown>;
let redirectUri: string;
/** Where the relying party asks to be sent after a logout (RP-Initiated Logout 1.0 §3.1). */
let signedOutUri: string;

before(async () => {
  await new Promise<void>((resolve) => rpServer.listen(0, '127.0.0.1', resolve));
  redirectUri = `http://127.0.0.1:${(rpServer.address() as AddressInfo).port}/cb`;
  signedOutUri = `http://127.0.0.1:${(rpServer.address() as AddressInfo).port}/signed-out`;
  const base = demoConfig();
  const rp = {
    client_id: 'rp', client_secret: SECRET, client_name: 'Relying Party', redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token'], scope: `${SCOPE} phone`, post_logout_redirect_uris: [signedOutUri],
  };
  const users = [{ username: 'admin', password: 'tiger', claims: CLAIMS }];
  rpConfig = { ...base, clients: [...(base.clients as unknown[]), rp], users, cors: { origins: [SPA_ORIGIN] } };
  cli = await startCli(rpConfig);
});
after(async () => {
  await cli?.stop();
  await new Promise((resolve) => rpServer.close(resolve));
});

/** openid-client's view of the server, from discovery (http is allowed for this local test only). */
async function discover(url = cli.url): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(url), 'rp', SECRET, oidc.ClientSecretBasic(SECRET), { execute: [oidc.allowInsecureRequests] });
}

/** A fresh authorization request as the relying party builds it: PKCE S256, nonce, state. */
async function authorizationRequest(config: oidc.Configuration, extra: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const nonce = oidc.randomNonce();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: SCOPE, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', nonce, state, ...extra,
  });
  return { url, verifier, nonce, state };
}

/** Where the server sent the browser (or the agent): the redirect URI with its parameters. */
const redirected = (location: string | undefined): URL => new URL(location ?? 'missing:');

const browser: Browser | undefined = await launchChromium();

describe('openid-client against tollgate serve, a person in Chromium', { skip: browser === undefined }, () => {
  let context: BrowserContext;
  let page: Page;
  let config: oidc.Configuration;
  const lastCallback = (): URL => new URL(callbacks.filter((url) => url.startsWith(`${redirectUri}?`)).at(-1) ?? 'missing:');

  before(async () => {
    config = await discover();
    context = await (browser as Browser).newContext();
    page = await context.newPage();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
  });

  async function signIn(): Promise<void> {
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('tiger');
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  test('discovery: the OpenID configuration names the issuer, the UserInfo endpoint and RS256', async () => {
    const metadata = config.serverMetadata();
    assert.equal(metadata.issuer, cli.url);
    assert.equal(metadata.userinfo_endpoint, `${cli.url}/userinfo`);
    assert.ok(metadata.id_token_signing_alg_values_supported?.includes('RS256'));
    assert.equal(metadata.end_session_endpoint, `${cli.url}/logout`);
  });

  let refreshToken: string;
  let subject: string;
  let idToken: string;

  test('code + PKCE + nonce: sign in and Allow in Chromium; the library validates the ID token; UserInfo has the configured name and email', async () => {
    const request = await authorizationRequest(config);
    await page.goto(request.url.href);
    await signIn();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${redirectUri}**`);

    // openid-client checks state, iss, PKCE, and the ID token: signature from the JWKS, iss, aud, exp, iat, nonce, at_hash.
    const tokens = await oidc.authorizationCodeGrant(config, lastCallback(), {
      pkceCodeVerifier: request.verifier, expectedNonce: request.nonce, expectedState: request.state, idTokenExpected: true,
    });
    const claims = tokens.claims();
    assert.ok(claims);
    assert.equal(claims.iss, cli.url);
    assert.equal(claims.aud, 'rp');
    assert.equal(claims.nonce, request.nonce);
    assert.equal(typeof claims.at_hash, 'string');
    subject = claims.sub;
    idToken = tokens.id_token as string;

    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, subject);
    assert.equal(userinfo.sub, subject);
    assert.equal(userinfo.name, CLAIMS.name);
    assert.equal(userinfo.email, CLAIMS.email);
    assert.equal(userinfo.email_verified, true);
    // Core §5.4: phone was not asked for, so it is not released.
    assert.equal(userinfo.phone_number, undefined);
    assert.ok(tokens.refresh_token);
    refreshToken = tokens.refresh_token;
  });

  test('refresh returns a new ID token for the same subject, validated by the library (Core §12.2)', async () => {
    const refreshed = await oidc.refreshTokenGrant(config, refreshToken);
    assert.equal(typeof refreshed.id_token, 'string');
    assert.equal(refreshed.claims()?.sub, subject);
    assert.equal(refreshed.claims()?.aud, 'rp');
  });

  test('oidcc-prompt-none-logged-in: prompt=none with a session that already consented answers with a code and no page', async () => {
    const request = await authorizationRequest(config, { prompt: 'none' });
    await page.goto(request.url.href);
    await page.waitForURL(`${redirectUri}**`);
    const tokens = await oidc.authorizationCodeGrant(config, lastCallback(), { pkceCodeVerifier: request.verifier, expectedNonce: request.nonce, expectedState: request.state });
    assert.equal(tokens.claims()?.sub, subject);
  });

  test('max_age=0 forces a new sign-in even with a session, and the ID token carries auth_time (Core §3.1.2.1)', async () => {
    const request = await authorizationRequest(config, { max_age: '0' });
    const before = Math.floor(Date.now() / 1000);
    await page.goto(request.url.href);
    // The session is there, but the sign-in page is shown again.
    await page.getByLabel('Password').waitFor();
    await signIn();
    await page.waitForURL(`${redirectUri}**`);
    const tokens = await oidc.authorizationCodeGrant(config, lastCallback(), {
      pkceCodeVerifier: request.verifier, expectedNonce: request.nonce, expectedState: request.state, maxAge: 0,
    });
    const authTime = tokens.claims()?.auth_time;
    assert.equal(typeof authTime, 'number');
    assert.ok((authTime as number) >= before, `auth_time ${authTime} is the new sign-in, not the first`);
  });

  test('response_mode=form_post: the page posts the response to the relying party by itself under its CSP, and openid-client accepts it', async () => {
    const request = await authorizationRequest(config, { response_mode: 'form_post' });
    const before = posted.length;
    await page.goto(request.url.href);
    // No click: the hashed submit script ran (a CSP refusing it would leave the page standing).
    await page.waitForURL(`${redirectUri}**`);
    const callback = posted[before];
    assert.ok(callback, 'the relying party received a POST');
    assert.equal(new URL(callback.url).search, '', 'nothing in the URL');
    const form = new Request(callback.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: callback.body });
    const tokens = await oidc.authorizationCodeGrant(config, form, { pkceCodeVerifier: request.verifier, expectedNonce: request.nonce, expectedState: request.state });
    assert.equal(tokens.claims()?.sub, subject);
  });

  /** The session cookie as it stood before the logout, as a stolen or synced copy would keep it. */
  let cookiesBeforeLogout: Awaited<ReturnType<BrowserContext['cookies']>>;

  test('RP-initiated logout with id_token_hint ends the session and returns to the registered URI with state; the next prompt=none gives login_required', async () => {
    cookiesBeforeLogout = await context.cookies();
    assert.ok(cookiesBeforeLogout.some((cookie) => cookie.name === 'tollgate_session'));
    const state = oidc.randomState();
    const logout = oidc.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: signedOutUri, state });
    await page.goto(logout.href);
    await page.waitForURL(`${signedOutUri}**`);
    assert.equal(new URL(page.url()).searchParams.get('state'), state);

    const request = await authorizationRequest(config, { prompt: 'none' });
    await page.goto(request.url.href);
    await page.waitForURL(`${redirectUri}**`);
    assert.equal(lastCallback().searchParams.get('error'), 'login_required');
  });

  test('logout ends the session server-side: a copy of its cookie in another browser gives login_required and the sign-in page', async () => {
    const elsewhere = await (browser as Browser).newContext();
    try {
      await elsewhere.addCookies(cookiesBeforeLogout);
      const replay = await elsewhere.newPage();
      const silent = await authorizationRequest(config, { prompt: 'none' });
      await replay.goto(silent.url.href);
      await replay.waitForURL(`${redirectUri}**`);
      assert.equal(new URL(replay.url()).searchParams.get('error'), 'login_required');
      await replay.goto((await authorizationRequest(config)).url.href);
      await replay.getByLabel('Password').waitFor();
    } finally {
      await elsewhere.close();
    }
  });
});

describe('prompt, max_age and login_hint at the pages (an agent, no browser)', () => {
  let config: oidc.Configuration;
  before(async () => {
    config = await discover();
  });

  test('oidcc-prompt-none-not-logged-in: prompt=none without a session gives login_required at the redirect URI, which openid-client reports', async () => {
    const request = await authorizationRequest(config, { prompt: 'none' });
    const response = await createAgent(cli.url).get(request.url.pathname + request.url.search);
    assert.equal(response.status, 302);
    const location = redirected(response.location);
    assert.equal(location.origin + location.pathname, redirectUri);
    assert.equal(location.searchParams.get('error'), 'login_required');
    await assert.rejects(
      oidc.authorizationCodeGrant(config, location, { pkceCodeVerifier: request.verifier, expectedNonce: request.nonce, expectedState: request.state }),
      (err: unknown) => err instanceof oidc.AuthorizationResponseError && err.error === 'login_required',
    );
  });

  test('prompt=none with a session but no consent yet gives consent_required, never the consent page', async () => {
    const agent = createAgent(cli.url);
    // Sign in through another request and deny it: the session exists, and phone was never granted.
    const first = await authorizationRequest(config, { scope: 'openid phone' });
    await authorizeThroughPages(agent, Object.fromEntries(first.url.searchParams), { decision: 'deny' });
    const request = await authorizationRequest(config, { prompt: 'none', scope: 'openid phone' });
    const response = await agent.get(request.url.pathname + request.url.search);
    assert.equal(response.status, 302, response.body);
    assert.equal(redirected(response.location).searchParams.get('error'), 'consent_required');
  });

  test('prompt=consent shows the consent page although consent was remembered', async () => {
    const agent = createAgent(cli.url);
    const first = await authorizationRequest(config);
    const allowed = await authorizeThroughPages(agent, Object.fromEntries(first.url.searchParams));
    assert.ok(redirected(allowed.location).searchParams.get('code'));
    const again = await authorizationRequest(config);
    assert.equal((await agent.get(again.url.pathname + again.url.search)).status, 302, 'remembered: no page');
    const forced = await authorizationRequest(config, { prompt: 'consent' });
    const page = await agent.get(forced.url.pathname + forced.url.search);
    assert.equal(page.status, 200);
    assert.match(page.body, /name="decision"/);
  });

  test('oidcc-prompt-login, oidcc-login-hint: prompt=login shows the sign-in page to a signed-in person, prefilled from login_hint', async () => {
    const agent = createAgent(cli.url);
    await authorizeThroughPages(agent, Object.fromEntries((await authorizationRequest(config)).url.searchParams));
    const request = await authorizationRequest(config, { prompt: 'login', login_hint: 'admin' });
    const page = await agent.get(request.url.pathname + request.url.search);
    assert.equal(page.status, 200);
    assert.match(page.body, /action="\/authorize\/login"/);
    assert.match(page.body, /name="username"[^>]*value="admin"/);
    // Signing in satisfies it: the same request then goes on (consent remembered) to the client.
    const signedIn = await agent.post('/authorize/login', { csrf_token: hiddenField(page.body, 'csrf_token'), username: 'admin', password: 'tiger' });
    assert.equal(signedIn.status, 303);
    const done = await agent.get(signedIn.location ?? '');
    assert.equal(done.status, 302, done.body);
    assert.ok(redirected(done.location).searchParams.get('code'));
    // The sign-in was for that request only: the same URL again asks again.
    assert.equal((await agent.get(request.url.pathname + request.url.search)).status, 200);
  });

  /** Signs in through a first request (consent remembered), and answers the agent. */
  async function signedInAgent() {
    const agent = createAgent(cli.url);
    const first = await authorizeThroughPages(agent, Object.fromEntries((await authorizationRequest(config)).url.searchParams));
    assert.ok(redirected(first.location).searchParams.get('code'));
    return agent;
  }

  test('oidcc-max-age-1: a sign-in older than max_age=1 is asked again, and auth_time is the new one', async () => {
    const agent = await signedInAgent();
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const request = await authorizationRequest(config, { max_age: '1' });
    const page = await agent.get(request.url.pathname + request.url.search);
    assert.equal(page.status, 200);
    assert.match(page.body, /action="\/authorize\/login"/);
    const signedInAt = Math.floor(Date.now() / 1000);
    const signedIn = await agent.post('/authorize/login', { csrf_token: hiddenField(page.body, 'csrf_token'), username: 'admin', password: 'tiger' });
    const done = await agent.get(signedIn.location ?? '');
    const tokens = await oidc.authorizationCodeGrant(config, redirected(done.location), {
      pkceCodeVerifier: request.verifier, expectedNonce: request.nonce, expectedState: request.state, maxAge: 1,
    });
    assert.ok((tokens.claims()?.auth_time ?? 0) >= signedInAt);
  });

  test('oidcc-max-age-10000: a recent sign-in is enough for max_age=10000; the ID token has auth_time', async () => {
    const signedInAt = Math.floor(Date.now() / 1000);
    const agent = await signedInAgent();
    const request = await authorizationRequest(config, { max_age: '10000' });
    const answer = await agent.get(request.url.pathname + request.url.search);
    assert.equal(answer.status, 302, 'no page');
    const tokens = await oidc.authorizationCodeGrant(config, redirected(answer.location), {
      pkceCodeVerifier: request.verifier, expectedNonce: request.nonce, expectedState: request.state, maxAge: 10000,
    });
    const authTime = tokens.claims()?.auth_time as number;
    assert.ok(authTime >= signedInAt && authTime <= Math.floor(Date.now() / 1000));
  });

  test('RP-initiated logout without id_token_hint asks the person first; the confirmed form returns to the registered URI with state', async () => {
    const agent = await signedInAgent();
    const logout = oidc.buildEndSessionUrl(config, { client_id: 'rp', post_logout_redirect_uri: signedOutUri, state: 'bye' });
    const page = await agent.get(logout.pathname + logout.search);
    assert.equal(page.status, 200);
    assert.match(page.body, /Sign out\?/);
    const confirmed = await agent.post('/logout', {
      csrf_token: hiddenField(page.body, 'csrf_token'), client_id: 'rp', post_logout_redirect_uri: hiddenField(page.body, 'post_logout_redirect_uri'), state: 'bye',
    });
    assert.equal(confirmed.status, 303);
    assert.equal(confirmed.location, `${signedOutUri}?state=bye`);
    // The session is over.
    const request = await authorizationRequest(config, { prompt: 'none' });
    assert.equal(redirected((await agent.get(request.url.pathname + request.url.search)).location).searchParams.get('error'), 'login_required');
  });

  test('logout never redirects to a post_logout_redirect_uri the client did not register (no open redirector), even from the confirmed form', async () => {
    const agent = await signedInAgent();
    for (const target of ['https://attacker.example/', `${signedOutUri}/x`, redirectUri]) {
      const page = await agent.get(`/logout?${new URLSearchParams({ client_id: 'rp', post_logout_redirect_uri: target })}`);
      assert.equal(page.status, 400, target);
      assert.equal(page.location, undefined);
    }
    const page = await agent.get('/logout');
    const forged = await agent.post('/logout', { csrf_token: hiddenField(page.body, 'csrf_token'), client_id: 'rp', post_logout_redirect_uri: 'https://attacker.example/' });
    assert.equal(forged.status, 400);
    assert.equal(forged.location, undefined);
    // Without a client to compare with, no redirect at all.
    assert.equal((await agent.get(`/logout?${new URLSearchParams({ post_logout_redirect_uri: signedOutUri })}`)).status, 400);
  });

  test('an id_token_hint this server did not issue (forged, or not a JWT) is refused with a page, and the session stays', async () => {
    const agent = await signedInAgent();
    const other = await import('jose');
    const { privateKey } = await other.generateKeyPair('RS256');
    const forged = await new other.SignJWT({}).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).setIssuer(cli.url).setSubject('x').setAudience('rp').sign(privateKey);
    for (const hint of [forged, 'not.a.jwt']) {
      const page = await agent.get(`/logout?${new URLSearchParams({ id_token_hint: hint, post_logout_redirect_uri: signedOutUri })}`);
      assert.equal(page.status, 400);
      assert.equal(page.location, undefined);
    }
    const request = await authorizationRequest(config, { prompt: 'none' });
    assert.ok(redirected((await agent.get(request.url.pathname + request.url.search)).location).searchParams.get('code'), 'still signed in');
  });

  test('oidcc-claims-essential with openid-client: phone_number asked as essential for UserInfo is released; the ID token has the asked email and amr ["pwd"]', async () => {
    const agent = createAgent(cli.url);
    const claims = JSON.stringify({ userinfo: { phone_number: { essential: true } }, id_token: { email: null } });
    const request = await authorizationRequest(config, { scope: 'openid', claims, acr_values: 'urn:example:pwd' });
    const answer = await authorizeThroughPages(agent, Object.fromEntries(request.url.searchParams));
    const tokens = await oidc.authorizationCodeGrant(config, redirected(answer.location), { pkceCodeVerifier: request.verifier, expectedNonce: request.nonce, expectedState: request.state });
    const idToken = tokens.claims();
    assert.equal(idToken?.email, CLAIMS.email);
    assert.deepEqual(idToken?.amr, ['pwd']);
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, idToken?.sub ?? '');
    assert.equal(userinfo.phone_number, CLAIMS.phone_number);
    assert.equal(userinfo.name, undefined, 'profile was neither in the scope nor asked for');
  });

  test('a claims parameter that is not JSON is invalid_request at the redirect URI, which openid-client reports', async () => {
    const request = await authorizationRequest(config, { claims: '{"userinfo":' });
    const response = await createAgent(cli.url).get(request.url.pathname + request.url.search);
    await assert.rejects(
      oidc.authorizationCodeGrant(config, redirected(response.location), { pkceCodeVerifier: request.verifier, expectedNonce: request.nonce, expectedState: request.state }),
      (err: unknown) => err instanceof oidc.AuthorizationResponseError && err.error === 'invalid_request',
    );
  });

  test('UserInfo and discovery answer CORS for an allowed origin (a preflight with Authorization included), never for another', async () => {
    const preflight = await fetch(`${cli.url}/userinfo`, { method: 'OPTIONS', headers: { origin: SPA_ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), SPA_ORIGIN);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    const challenge = await fetch(`${cli.url}/userinfo`, { headers: { origin: SPA_ORIGIN } });
    assert.equal(challenge.status, 401);
    assert.equal(challenge.headers.get('access-control-allow-origin'), SPA_ORIGIN);
    assert.match(challenge.headers.get('access-control-expose-headers') ?? '', /WWW-Authenticate/);
    const discovery = await fetch(`${cli.url}/.well-known/openid-configuration`, { headers: { origin: SPA_ORIGIN } });
    assert.equal(discovery.headers.get('access-control-allow-origin'), SPA_ORIGIN);
    const other = await fetch(`${cli.url}/userinfo`, { headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  test('a plain OAuth request (no openid) is unchanged: no ID token', async () => {
    const agent = createAgent(cli.url);
    const request = await authorizationRequest(config, { scope: 'profile' });
    const answer = await authorizeThroughPages(agent, Object.fromEntries(request.url.searchParams));
    const code = redirected(answer.location).searchParams.get('code') ?? '';
    const response = await fetch(`${cli.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`rp:${SECRET}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: request.verifier }),
    });
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.id_token, undefined);
  });
});

describe('sessions on a persistent store (SQLite): kept across a restart, ended everywhere by logout', () => {
  test('the session record outlives the process; after logout a replayed copy of the cookie gives login_required', async () => {
    const config = { ...rpConfig, store: `sqlite:${join(tempDir(), 'sessions.db')}`, sessionSecret: 'a fixed session secret of at least 32 chars' };
    let server = await startCli(config);
    try {
      const agent = createAgent(server.url);
      let rp = await discover(server.url);
      const first = await authorizeThroughPages(agent, Object.fromEntries((await authorizationRequest(rp)).url.searchParams));
      assert.ok(redirected(first.location).searchParams.get('code'));
      const copy = agent.cookieHeader();

      await server.stop();
      server = await startCli(config);
      rp = await discover(server.url);
      const silent = async (cookie: string) => {
        const request = await authorizationRequest(rp, { prompt: 'none' });
        const answer = await fetch(new URL(request.url.pathname + request.url.search, server.url), { headers: { cookie }, redirect: 'manual' });
        return redirected(answer.headers.get('location') ?? undefined).searchParams;
      };
      // The same cookie on the new process: the session is the store's, not the process's.
      assert.ok((await silent(copy)).get('code'), 'still signed in after the restart');

      const logout = await fetch(new URL('/logout', server.url), { headers: { cookie: copy } });
      const csrf = hiddenField(await logout.text(), 'csrf_token');
      const confirmed = await fetch(new URL('/logout', server.url), {
        method: 'POST', redirect: 'manual', headers: { cookie: copy, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf_token: csrf }),
      });
      assert.equal(confirmed.status, 200);
      assert.equal((await silent(copy)).get('error'), 'login_required');
    } finally {
      await server.stop();
    }
  });
});
