/** The sign-in and consent pages at /authorize, driven with fetch and a cookie jar (DESIGN.md "HTTP"; RFC 9700 §4.7, §4.12, §4.16). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningCli } from '../helpers/app-server.js';
import { REDIRECT_URI, demoConfig, startCli } from '../helpers/app-server.js';
import { authorizeThroughPages, createAgent, hiddenField } from '../helpers/app-agent.js';

const REQUEST = { response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, state: 's<1>', scope: 'read write' };
const query = (params: Record<string, string>) => `/authorize?${new URLSearchParams(params)}`;

describe('pages at /authorize', () => {
  let cli: RunningCli;
  before(async () => {
    cli = await startCli(demoConfig());
  });
  after(() => cli.stop());

  test('the login page has Username and Password fields and a Sign in button, and names the client', async () => {
    const page = await createAgent(cli.url).get(query(REQUEST));
    assert.equal(page.status, 200);
    assert.match(page.body, /<label for="username">Username<\/label>/);
    assert.match(page.body, /<label for="password">Password<\/label>/);
    assert.match(page.body, /<button type="submit">Sign in<\/button>/);
    assert.match(page.body, /SkyVault/);
  });

  test('pages cannot be framed, cached, or leak their URL (RFC 9700 §4.16, §4.2.4)', async () => {
    const page = await createAgent(cli.url).get(query(REQUEST));
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /script-src|unsafe-inline/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(page.headers.get('cache-control'), 'no-store');
  });

  test('the session cookie is HttpOnly and SameSite=Lax', async () => {
    const response = await fetch(`${cli.url}${query(REQUEST)}`);
    const cookie = response.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.doesNotMatch(cookie, /Secure/, 'http issuer: no Secure flag, or the browser would drop it');
  });

  test('Allow redirects with the code, state and iss; the consent page names the scopes (RFC 6749 §4.1.2, RFC 9207)', async () => {
    const agent = createAgent(cli.url);
    const login = await agent.get(query(REQUEST));
    const signedIn = await agent.post('/authorize/login', { csrf_token: hiddenField(login.body, 'csrf_token'), username: 'admin', password: 'tiger' });
    assert.equal(signedIn.status, 303, 'never 307 after the password form (RFC 9700 §4.12)');
    const consent = await agent.get(signedIn.location ?? '');
    assert.match(consent.body, /<button type="submit" name="decision" value="allow">Allow<\/button>/);
    assert.match(consent.body, />Deny<\/button>/);
    assert.match(consent.body, /<code>read<\/code>/);
    assert.match(consent.body, /<code>write<\/code>/);
    const redirect = await agent.post('/authorize', {
      csrf_token: hiddenField(consent.body, 'csrf_token'),
      request: hiddenField(consent.body, 'request'),
      decision: 'allow',
    });
    assert.equal(redirect.status, 303);
    const location = new URL(redirect.location ?? '');
    assert.equal(location.searchParams.get('state'), 's<1>');
    assert.equal(location.searchParams.get('iss'), cli.url);
    assert.ok(location.searchParams.get('code'));
  });

  test('Deny redirects with error=access_denied (RFC 6749 §4.1.2.1)', async () => {
    const redirect = await authorizeThroughPages(createAgent(cli.url), { ...REQUEST, client_id: 'spa', redirect_uri: 'https://spa.example.com/cb', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }, { decision: 'deny' });
    assert.equal(redirect.status, 303);
    const location = new URL(redirect.location ?? '');
    assert.equal(location.searchParams.get('error'), 'access_denied');
    assert.equal(location.searchParams.get('code'), null);
  });

  test('a returning user who granted these scopes skips the consent page', async () => {
    const agent = createAgent(cli.url);
    const first = await authorizeThroughPages(agent, REQUEST);
    assert.ok(new URL(first.location ?? '').searchParams.get('code'));
    const again = await agent.get(query({ ...REQUEST, scope: 'read', state: 'again' }));
    assert.equal(again.status, 302);
    assert.equal(new URL(again.location ?? '').searchParams.get('state'), 'again');
    assert.ok(new URL(again.location ?? '').searchParams.get('code'));
  });

  test('a wrong password and an unknown user get the same message on the login page (no enumeration)', async () => {
    const answers: string[] = [];
    for (const [username, password] of [['admin', 'wrong'], ['nobody-here', 'tiger']] as const) {
      const agent = createAgent(cli.url);
      const login = await agent.get(query(REQUEST));
      const page = await agent.post('/authorize/login', { csrf_token: hiddenField(login.body, 'csrf_token'), username, password });
      assert.equal(page.status, 200);
      assert.match(page.body, /action="\/authorize\/login"/);
      answers.push(/role="alert">([^<]*)</.exec(page.body)?.[1] ?? '');
    }
    assert.equal(answers[0], 'Incorrect username or password.');
    assert.equal(answers[1], answers[0]);
  });

  test('a login form without the session\'s CSRF token is refused (RFC 9700 §4.7)', async () => {
    const agent = createAgent(cli.url);
    await agent.get(query(REQUEST));
    const page = await agent.post('/authorize/login', { csrf_token: 'forged', username: 'admin', password: 'tiger' });
    assert.equal(page.status, 403);
    assert.equal(page.location, undefined);
  });

  test('a consent decision for a request the person was not shown is refused', async () => {
    const agent = createAgent(cli.url);
    const consent = await authorizeThroughPages(agent, { ...REQUEST, scope: 'write', client_id: 'spa', redirect_uri: 'https://spa.example.com/cb', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }, { decision: 'deny' });
    assert.equal(consent.status, 303);
    const shown = await agent.get(query({ ...REQUEST, client_id: 'spa', redirect_uri: 'https://spa.example.com/cb', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }));
    const page = await agent.post('/authorize', { csrf_token: hiddenField(shown.body, 'csrf_token'), request: 'another-request', decision: 'allow' });
    assert.equal(page.status, 403);
    assert.equal(page.location, undefined);
  });

  test('an unknown client and an unregistered redirect_uri get an error page, never a redirect (RFC 6749 §4.1.2.1)', async () => {
    for (const params of [{ ...REQUEST, client_id: 'nobody' }, { ...REQUEST, redirect_uri: 'https://evil.example/cb' }]) {
      const page = await createAgent(cli.url).get(query(params));
      assert.equal(page.status, 400);
      assert.equal(page.location, undefined);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      assert.match(page.body, /This request cannot be completed/);
      assert.equal(page.headers.get('x-frame-options'), 'DENY');
    }
  });

  test('values from the request are escaped on the pages', async () => {
    const page = await createAgent(cli.url).get(query({ ...REQUEST, redirect_uri: 'https://x.example/"><script>alert(1)</script>' }));
    assert.doesNotMatch(page.body, /<script>/);
  });
});

describe('rate limits', () => {
  // Hour-long windows: the sliding window weighs the previous window by its overlap, so a test that
  // straddled a minute boundary could see its count dip just below the limit.
  let cli: RunningCli;
  before(async () => {
    cli = await startCli(demoConfig({ rateLimit: { tokenPerClient: { max: 2, windowSeconds: 3600 }, loginPerUsername: { max: 3, windowSeconds: 3600 } } }));
  });
  after(() => cli.stop());

  test('sign-in attempts are rate-limited per username: 429 with Retry-After', async () => {
    const agent = createAgent(cli.url);
    const login = await agent.get(query(REQUEST));
    const csrf = hiddenField(login.body, 'csrf_token');
    let page;
    for (let i = 0; i < 4; i++) page = await agent.post('/authorize/login', { csrf_token: csrf, username: 'limited-user', password: 'x' });
    assert.equal(page?.status, 429);
    assert.match(page?.headers.get('retry-after') ?? '', /^\d+$/);
    assert.match(page?.body ?? '', /Too many sign-in attempts/);
  });

  test('over the per-client limit: 429 with Retry-After and an invalid_request body', async () => {
    const send = () =>
      fetch(`${cli.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('SkyVaultapp:secret').toString('base64')}` },
        body: 'grant_type=client_credentials',
      });
    assert.equal((await send()).status, 200);
    assert.equal((await send()).status, 200);
    const refused = await send();
    assert.equal(refused.status, 429);
    assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/);
    const body = (await refused.json()) as Record<string, string>;
    assert.equal(body.error, 'invalid_request');
    assert.match(body.error_description ?? '', /^Too many requests; retry after \d+ seconds$/);
  });
});

describe('rate limits per IP address', () => {
  let cli: RunningCli;
  before(async () => {
    cli = await startCli(demoConfig({ rateLimit: { tokenPerIp: { max: 2, windowSeconds: 3600 }, loginPerIp: { max: 3, windowSeconds: 3600 } } }));
  });
  after(() => cli.stop());

  test('sign-in attempts are rate-limited per IP address, whatever the username: 429 with Retry-After', async () => {
    const agent = createAgent(cli.url);
    const csrf = hiddenField((await agent.get(query(REQUEST))).body, 'csrf_token');
    const statuses = [];
    // A different username each time: only the per-IP limit can stop these.
    for (let i = 0; i < 4; i++) statuses.push((await agent.post('/authorize/login', { csrf_token: csrf, username: `guess-${i}`, password: 'x' })).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
  });

  test('token requests are rate-limited per IP address, whatever the client: 429 with Retry-After', async () => {
    const send = (client: string) =>
      fetch(`${cli.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=authorization_code&code=x&client_id=${client}`,
      });
    assert.notEqual((await send('a')).status, 429);
    assert.notEqual((await send('b')).status, 429);
    const refused = await send('c');
    assert.equal(refused.status, 429);
    assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/);
  });
});
