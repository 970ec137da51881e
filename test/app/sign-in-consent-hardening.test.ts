/**
 * The sign-in, consent and sign-out pages of `tollgate serve` after the first outside attack
 * (issue 16): remembered consent and public clients, content types, raw bytes in a POSTed
 * authorization request, sign-out, a replayed consent form. Driven with fetch and a cookie jar.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningCli } from '../helpers/app-server.js';
import { REDIRECT_URI, demoConfig, startCli } from '../helpers/app-server.js';
import type { Agent, PageResponse } from '../helpers/app-agent.js';
import { authorizeThroughPages, createAgent, hiddenField } from '../helpers/app-agent.js';
import { pkcePair } from '../helpers/flows.js';

const CONFIDENTIAL = { response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, scope: 'read write' };
const query = (params: Record<string, string>) => `/authorize?${new URLSearchParams(params)}`;

/** A public client's request (`spa` has no secret: token_endpoint_auth_method none), with a fresh PKCE challenge. */
function publicRequest(redirectUri: string, state: string): Record<string, string> {
  const { challenge } = pkcePair();
  return { response_type: 'code', client_id: 'spa', redirect_uri: redirectUri, scope: 'read', state, code_challenge: challenge, code_challenge_method: 'S256' };
}

const isConsentPage = (page: PageResponse): boolean => page.status === 200 && page.body.includes('name="decision"');
const isSignInPage = (page: PageResponse): boolean => page.status === 200 && page.body.includes('action="/authorize/login"');
const codeOf = (page: PageResponse): string | null => (page.location === undefined ? null : new URL(page.location).searchParams.get('code'));

/** The sign-in page for `params`, and the form that signs admin in from it (not yet sent). */
async function signInForm(agent: Agent, params: Record<string, string>): Promise<Record<string, string>> {
  const page = await agent.get(query(params));
  assert.ok(isSignInPage(page), page.body);
  return { csrf_token: hiddenField(page.body, 'csrf_token'), username: 'admin', password: 'tiger' };
}

describe('sign-in and consent hardening (tollgate serve)', () => {
  let cli: RunningCli;
  before(async () => {
    cli = await startCli(demoConfig());
  });
  after(() => cli.stop());

  test('remembered consent is never applied to a public client: the second request shows the consent page again (RFC 8252 §8.6, RFC 6749 §10.2)', async () => {
    const agent = createAgent(cli.url);
    const first = await authorizeThroughPages(agent, publicRequest('https://spa.example.com/cb', 'one'));
    assert.ok(codeOf(first), 'the first request, consented on the page, gets a code');

    // The same person, the same client and scope: a page again, no code without it.
    const again = await agent.get(query(publicRequest('https://spa.example.com/cb', 'two')));
    assert.ok(isConsentPage(again), `expected the consent page, got ${again.status} ${again.location ?? ''}`);
    assert.equal(again.location, undefined);

    // What the attack used: a loopback redirect URI on another port, with the attacker's PKCE challenge.
    const loopback = await agent.get(query(publicRequest('http://127.0.0.1:51234/callback', 'three')));
    assert.ok(isConsentPage(loopback), `expected the consent page, got ${loopback.status} ${loopback.location ?? ''}`);
  });

  test('remembered consent still skips the page for a confidential client', async () => {
    const agent = createAgent(cli.url);
    assert.ok(codeOf(await authorizeThroughPages(agent, { ...CONFIDENTIAL, state: 'one' })));
    const again = await agent.get(query({ ...CONFIDENTIAL, state: 'two' }));
    assert.ok(codeOf(again), `expected a redirect with a code, got ${again.status}`);
  });

  for (const contentType of ['text/plain', 'application/json']) {
    test(`POST /authorize/login as ${contentType} is refused with 415 and never signs in`, async () => {
      const agent = createAgent(cli.url);
      const fields = await signInForm(agent, { ...CONFIDENTIAL, state: 's' });
      const body = contentType === 'application/json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
      const refused = await agent.postRaw('/authorize/login', body, contentType);
      assert.equal(refused.status, 415);
      assert.equal(refused.location, undefined);
      assert.equal(refused.headers.get('set-cookie'), null, 'no new session cookie');
      // Still signed out: the next request shows the sign-in page.
      assert.ok(isSignInPage(await agent.get(query({ ...CONFIDENTIAL, state: 't' }))));
    });
  }

  test('a consent form posted as text/plain is not a decision: no code is issued', async () => {
    const agent = createAgent(cli.url);
    const signedIn = await agent.post('/authorize/login', await signInForm(agent, publicRequest('https://spa.example.com/cb', 'plain')));
    const consent = await agent.get(signedIn.location ?? '');
    assert.ok(isConsentPage(consent));
    const form = { csrf_token: hiddenField(consent.body, 'csrf_token'), request: hiddenField(consent.body, 'request'), decision: 'allow' };
    const plain = await agent.postRaw('/authorize', new URLSearchParams(form).toString(), 'text/plain');
    assert.ok(plain.status >= 400 && plain.status < 500, `${plain.status}: ${plain.body}`);
    assert.equal(codeOf(plain), null);
  });

  test('a POSTed authorization request with raw CR/LF and characters above U+00FF never answers 5xx, and the pending request is stored re-encoded', async () => {
    const agent = createAgent(cli.url);
    const state = 'a\r\nSet-Cookie: planted=1\r\n\u0100\u2603\u{1F98A}';
    // The public client: no remembered consent from another test skips the page this one walks.
    const raw = `${new URLSearchParams(publicRequest('https://spa.example.com/cb', 'x'))}`.replace('state=x', `state=${state}`);
    const signIn = await agent.postRaw('/authorize', raw);
    assert.ok(signIn.status < 500, `${signIn.status}: ${signIn.body}`);
    assert.ok(isSignInPage(signIn), signIn.body);

    const fields = { csrf_token: hiddenField(signIn.body, 'csrf_token'), username: 'admin', password: 'tiger' };
    const signedIn = await agent.post('/authorize/login', fields);
    assert.equal(signedIn.status, 303, signedIn.body);
    // The Location is built from the re-encoded request: visible ASCII only, no raw CR or LF.
    assert.match(signedIn.location ?? '', /^[\x21-\x7e]+$/);
    assert.equal(new URLSearchParams(new URL(signedIn.location ?? '', cli.url).search).get('state'), state);

    const consent = await agent.get(signedIn.location ?? '');
    assert.ok(isConsentPage(consent), consent.body);
    const redirect = await agent.post('/authorize', {
      csrf_token: hiddenField(consent.body, 'csrf_token'),
      request: hiddenField(consent.body, 'request'),
      decision: 'allow',
    });
    assert.equal(redirect.status, 303);
    assert.equal(new URL(redirect.location ?? '').searchParams.get('state'), state, 'state echoed unchanged (RFC 6749 §4.1.2)');
  });

  test('sign-out: GET /logout shows a form; a POST without the CSRF token only asks again, a wrong one is 403, both keep the session; with it the session ends', async () => {
    const agent = createAgent(cli.url);
    assert.ok(codeOf(await authorizeThroughPages(agent, { ...CONFIDENTIAL, state: 'in' })));

    const confirm = await agent.get('/logout');
    assert.equal(confirm.status, 200);
    assert.match(confirm.body, /<form method="post" action="\/logout">/);
    const csrf = hiddenField(confirm.body, 'csrf_token');

    // RFC 9700 §4.7: a forged form signs nobody out. Without a token the POST is a relying party's
    // logout request (RP-Initiated Logout 1.0 §2 allows POST): it is answered with the confirmation page.
    const unconfirmed = await agent.post('/logout', {});
    assert.equal(unconfirmed.status, 200);
    assert.match(unconfirmed.body, /<form method="post" action="\/logout">/);
    assert.doesNotMatch(unconfirmed.headers.get('set-cookie') ?? '', /Max-Age=0/);
    assert.equal((await agent.post('/logout', { csrf_token: `${csrf}x` })).status, 403);
    assert.ok(codeOf(await agent.get(query({ ...CONFIDENTIAL, state: 'still' }))), 'still signed in after the refused sign-out');

    const out = await agent.post('/logout', { csrf_token: csrf });
    assert.equal(out.status, 200);
    assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
    assert.ok(isSignInPage(await agent.get(query({ ...CONFIDENTIAL, state: 'out' }))), 'signed out: the sign-in page again');
  });

  test('a consent form replayed after its decision was used does nothing more: 403, no second code', async () => {
    const agent = createAgent(cli.url);
    // The public client, so that no remembered consent hides the page.
    const fields = await signInForm(agent, publicRequest('https://spa.example.com/cb', 'replay'));
    const signedIn = await agent.post('/authorize/login', fields);
    const consent = await agent.get(signedIn.location ?? '');
    assert.ok(isConsentPage(consent));
    const form = { csrf_token: hiddenField(consent.body, 'csrf_token'), request: hiddenField(consent.body, 'request'), decision: 'allow' };

    const first = await agent.post('/authorize', form);
    assert.ok(codeOf(first), 'the decision is used once');
    const replay = await agent.post('/authorize', form);
    assert.equal(replay.status, 403);
    assert.equal(replay.location, undefined);
    assert.equal(codeOf(replay), null);
  });

  test('a consent form replayed with a saved copy of the old cookie is refused: the store counts each decision once (RFC 9700 §4.7)', async () => {
    const agent = createAgent(cli.url);
    const fields = await signInForm(agent, publicRequest('https://spa.example.com/cb', 'saved'));
    const signedIn = await agent.post('/authorize/login', fields);
    const consent = await agent.get(signedIn.location ?? '');
    assert.ok(isConsentPage(consent));
    const form = new URLSearchParams({ csrf_token: hiddenField(consent.body, 'csrf_token'), request: hiddenField(consent.body, 'request'), decision: 'allow' });
    // The cookie as it stood before the decision, as a script or a stolen copy would keep it.
    const cookie = /tollgate_session=[^;]+/.exec(consent.headers.get('set-cookie') ?? '')?.[0];
    assert.ok(cookie, 'the consent page sets the session cookie');
    const post = () =>
      fetch(`${cli.url}/authorize`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
    const first = await post();
    assert.equal(first.status, 303);
    assert.ok(new URL(first.headers.get('location') ?? '').searchParams.get('code'));
    const replay = await post();
    assert.equal(replay.status, 403);
    assert.equal(replay.headers.get('location'), null);
  });
});
