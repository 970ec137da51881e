import { it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AuthorizationDecision, OAuthRequest } from '../../src/index.js';
import { ISSUER, REDIRECT_URI, createTestServer } from '../helpers/fixtures.js';
import { pkcePair, resourceOwner } from '../helpers/flows.js';
import { ERROR_DESCRIPTION, allowedStatuses, body, contentType, encodePairs, formString, hostileString, isKnownError, method } from '../helpers/malformed.js';

const CLIENTS = ['SkyVaultapp', 'spa', 'poster', 'service', 'nobody'];
/** Where the fixture clients may be sent: their registered URIs (and loopback on any port). */
const REGISTERED = [REDIRECT_URI, 'https://spa.example.com/cb', 'https://poster.example.com/cb', 'http://127.0.0.1:'];

const NAMES = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method') },
  { weight: 1, arbitrary: hostileString },
);

/** Mostly a plausible value, sometimes a hostile one, sometimes absent. */
const field = (...plausible: string[]) =>
  fc.option(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...plausible) }, { weight: 1, arbitrary: hostileString }), { nil: undefined, freq: 8 });

/** An authorization request's parameters, each plausible or not, plus random extras and repeats. */
const params = fc
  .tuple(
    fc.record({
      response_type: field('code', 'token', 'code token', 'none'),
      client_id: field('SkyVaultapp', 'SkyVaultapp', 'SkyVaultapp', ...CLIENTS),
      redirect_uri: field(REDIRECT_URI, REDIRECT_URI, REDIRECT_URI, `${REDIRECT_URI}/`, 'https://spa.example.com/cb', 'http://127.0.0.1:4000/callback', 'http://127.0.0.1:4000/x/../callback', 'https://evil.example/'),
      scope: field('read', 'read write', 'admin', 'read  write', 'read "x"'),
      state: field('xyz', 'a b&c'),
      code_challenge: field(pkcePair().challenge, 'short'),
      code_challenge_method: field('S256', 'plain', 'S512'),
    }),
    // Extras: now and then a repeat of a known parameter, more often an unknown one.
    fc.array(fc.tuple(fc.oneof(NAMES, hostileString, hostileString), hostileString), { maxLength: 2 }),
  )
  .chain(([known, extra]) => {
    const pairs = Object.entries(known).filter((pair): pair is [string, string] => pair[1] !== undefined);
    return encodePairs([...pairs, ...extra]);
  });

const authorizeRequests = fc
  .record({
    method: method('GET'),
    params,
    contentType,
    body: body(formString(NAMES), NAMES),
    decision: fc.option(
      fc.record({ allow: fc.boolean(), scope: fc.option(fc.array(hostileString, { maxLength: 3 }), { nil: undefined }) }),
      { nil: undefined },
    ),
  })
  .map(({ method, params, contentType, body, decision }) => {
    // A POST carries the parameters in its body; the query then holds the random extras only.
    const post = method.toUpperCase() === 'POST';
    const request: OAuthRequest = {
      method,
      url: post ? '/authorize' : `/authorize?${params}`,
      headers: contentType === undefined ? {} : { 'content-type': contentType },
      body: post ? params : body,
    };
    const answer: AuthorizationDecision | undefined = decision && { user: resourceOwner, allow: decision.allow, scope: decision.scope };
    return { request, answer };
  });

it('10,000 malformed authorization requests: a redirect to a registered URI, or an error with a known code; never a throw or a 5xx (RFC 6749 §4.1.2.1)', async () => {
  const { server } = await createTestServer({ onError: (err) => assert.fail(`unexpected error: ${String(err)}`) });
  await fc.assert(
    fc.asyncProperty(authorizeRequests, async ({ request, answer }) => {
      const result = answer ? await server.authorize(request, answer) : await server.authorize(request);
      if (result.type === 'interaction') {
        assert.equal(answer, undefined);
        return;
      }
      const { response } = result;
      if (result.type === 'error') {
        assert.ok(isKnownError(response), `${response.status} ${response.body}`);
        assert.equal(response.headers.Location, undefined);
        return;
      }
      assert.ok([302, 303].includes(response.status));
      const location = response.headers.Location ?? '';
      assert.ok(REGISTERED.some((uri) => location.startsWith(uri)), `open redirect to ${location}`);
      const url = new URL(location);
      const params = new URLSearchParams(url.hash ? url.hash.slice(1) : url.search);
      assert.equal(params.get('iss'), ISSUER);
      const error = params.get('error');
      if (error !== null) {
        assert.ok(allowedStatuses(error).length > 0, `unknown error ${error}`);
        assert.notEqual(error, 'server_error');
        assert.match(params.get('error_description') ?? '', ERROR_DESCRIPTION);
      } else {
        assert.ok(params.get('code') ?? params.get('access_token'), location);
      }
    }),
    { numRuns: 10_000 },
  );
});
