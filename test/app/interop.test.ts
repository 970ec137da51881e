/** Interop: a standard client library (oauth4webapi v3) against `tollgate serve`, from discovery to introspection. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import type { RunningCli } from '../helpers/app-server.js';
import { REDIRECT_URI, demoConfig, startCli } from '../helpers/app-server.js';
import { authorizeThroughPages, createAgent } from '../helpers/app-agent.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const client: oauth.Client = { client_id: 'SkyVaultapp' };
const auth = oauth.ClientSecretBasic('secret');

describe('oauth4webapi against tollgate serve', () => {
  let cli: RunningCli;
  let as: oauth.AuthorizationServer;
  before(async () => {
    cli = await startCli(demoConfig());
    const issuer = new URL(cli.url);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
  });
  after(() => cli.stop());

  test('authorization code with PKCE S256, the iss response parameter checked (RFC 6749 §4.1, RFC 7636, RFC 9207)', async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const redirect = await authorizeThroughPages(createAgent(cli.url), {
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: REDIRECT_URI,
      scope: 'read',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const params = oauth.validateAuthResponse(as, client, new URL(redirect.location ?? ''), state);
    const response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT_URI, verifier, insecure);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
    assert.equal(tokens.token_type, 'bearer');
    assert.ok(tokens.refresh_token);

    const refreshed = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token, insecure));
    assert.notEqual(refreshed.access_token, tokens.access_token);

    const introspected = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, refreshed.access_token, insecure));
    assert.equal(introspected.active, true);
    assert.equal(introspected.client_id, 'SkyVaultapp');

    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, refreshed.access_token, insecure));
    const after = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, refreshed.access_token, insecure));
    assert.equal(after.active, false);
  });

  test('client credentials (RFC 6749 §4.4)', async () => {
    const response = await oauth.clientCredentialsGrantRequest(as, client, auth, { scope: 'read' }, insecure);
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    assert.ok(tokens.access_token);
    const secure = await fetch(`${cli.url}/secure`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(await secure.text(), 'Secure Hello!');
  });

  test('an error response is surfaced as the RFC 6749 §5.2 error', async () => {
    const response = await oauth.clientCredentialsGrantRequest(as, client, auth, { scope: 'admin' }, insecure);
    await assert.rejects(oauth.processClientCredentialsResponse(as, client, response), (err: unknown) => {
      assert.ok(err instanceof oauth.ResponseBodyError);
      assert.equal(err.error, 'invalid_scope');
      return true;
    });
  });
});
