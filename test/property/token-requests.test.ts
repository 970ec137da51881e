import { it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { OAuthRequest } from '../../src/index.js';
import { createTestServer } from '../helpers/fixtures.js';
import { basicAuth } from '../helpers/http.js';
import { authorization, body, contentType, formString, hostileString, isKnownError, method } from '../helpers/malformed.js';

const NAMES = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('grant_type', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'username', 'password', 'scope', 'client_id', 'client_secret', 'access_token', '__proto__') },
  { weight: 1, arbitrary: hostileString },
);
// Never the whole of a valid request: a grant_type other than client_credentials needs a code,
// token or password these generators cannot produce, so every request here is malformed.
const GRANT = fc.oneof(fc.constantFrom('authorization_code', 'refresh_token', 'password', 'external_token', 'implicit', 'urn:x'), hostileString);
const VALID_BASIC = [basicAuth('SkyVaultapp', 'secret'), basicAuth('service', 'service-secret')];

const tokenRequests: fc.Arbitrary<OAuthRequest> = fc
  .record({
    method: method('POST'),
    query: fc.option(formString(NAMES), { nil: undefined }),
    contentType,
    authorization: authorization(VALID_BASIC),
    grant: fc.option(GRANT, { nil: undefined }),
    body: body(formString(NAMES), NAMES),
  })
  .map(({ method, query, contentType, authorization, grant, body }) => {
    const headers: Record<string, string> = {};
    if (contentType !== undefined) headers['content-type'] = contentType;
    if (authorization !== undefined) headers.authorization = authorization;
    const withGrant = grant === undefined || typeof body !== 'string' ? body : `grant_type=${encodeURIComponent(grant.replace(/[\uD800-\uDFFF]/g, ''))}&${body}`;
    return { method, url: query === undefined ? '/oauth/token' : `/oauth/token?${query}`, headers, body: withGrant };
  });

it('10,000 malformed token requests: never a throw, never a 5xx, always a §5.2 error with a known code (RFC 6749 §5.2)', async () => {
  const { server, store } = await createTestServer({ skyvaultCompat: false, onError: (err) => assert.fail(`unexpected error: ${String(err)}`) });
  // scrypt is for real logins; here the password grant only needs an answer.
  store.getUser = async (username, password) => (username === 'admin' && password === 'tiger' ? { id: 'u', username } : null);
  await fc.assert(
    fc.asyncProperty(tokenRequests, async (request) => {
      const response = await server.token(request);
      assert.ok(isKnownError(response), `${response.status} ${response.body}`);
      assert.equal(response.headers['Cache-Control'], 'no-store');
    }),
    { numRuns: 10_000 },
  );
});
