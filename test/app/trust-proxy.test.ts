/**
 * `trustProxy` (config): behind a reverse proxy every request comes from the proxy's address, so
 * per-IP limits would lump every client together. With the proxy trusted, the client address is
 * the one its X-Forwarded-For names, and each client has its own limits; without it, or from a hop
 * not trusted, X-Forwarded-For is ignored (anyone could send one to dodge a limit).
 * Here the test process is the proxy (127.0.0.1), and 203.0.113.1/.2 are the clients behind it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { demoConfig, startCli } from '../helpers/app-server.js';
import { basicAuth } from '../helpers/http.js';

const ALICE = '203.0.113.1';
const BOB = '203.0.113.2';

function tokenRequest(url: string, forwardedFor: string, params: Record<string, string> = { grant_type: 'client_credentials' }): Promise<number> {
  const headers = { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth('SkyVaultapp', 'secret'), 'x-forwarded-for': forwardedFor };
  return fetch(`${url}/oauth/token`, { method: 'POST', headers, body: new URLSearchParams(params) }).then((r) => r.status);
}

/** Two requests from Alice use up her limit; then Alice's and Bob's third. */
async function limitsOf(trustProxy: unknown, params?: Record<string, string>, rateLimit: Record<string, unknown> = { tokenPerIp: { max: 2, windowSeconds: 3600 } }) {
  const cli = await startCli(demoConfig({ rateLimit, ...(trustProxy !== undefined && { trustProxy }) }));
  try {
    const first = [await tokenRequest(cli.url, ALICE, params), await tokenRequest(cli.url, ALICE, params)];
    return { first, alice: await tokenRequest(cli.url, ALICE, params), bob: await tokenRequest(cli.url, BOB, params) };
  } finally {
    await cli.stop();
  }
}

describe('tollgate serve: trustProxy and the per-IP limits', () => {
  test('with the proxy trusted, two clients behind it have separate per-IP token limits', async () => {
    const { first, alice, bob } = await limitsOf(['127.0.0.1']);
    assert.deepEqual(first, [200, 200]);
    assert.equal(alice, 429, 'Alice is over her own limit');
    assert.equal(bob, 200, 'Bob, behind the same proxy, has a limit of his own');
  });

  test('trustProxy as a CIDR range works the same', async () => {
    const { alice, bob } = await limitsOf(['127.0.0.0/8']);
    assert.deepEqual([alice, bob], [429, 200]);
  });

  test('without trustProxy, X-Forwarded-For is ignored: both share the proxy address, and its limit', async () => {
    const { first, alice, bob } = await limitsOf(undefined);
    assert.deepEqual(first, [200, 200]);
    assert.deepEqual([alice, bob], [429, 429]);
  });

  test('X-Forwarded-For from a hop that is not trusted is ignored (a client cannot pick its own address)', async () => {
    const { alice, bob } = await limitsOf(['10.0.0.1']);
    assert.deepEqual([alice, bob], [429, 429]);
  });

  test('the password guard counts per client address behind a trusted proxy too', async () => {
    const wrong = { grant_type: 'password', username: 'admin', password: 'not-the-password' };
    const rateLimit = { loginPerIp: { max: 2, windowSeconds: 3600 }, loginPerUsernameAndIp: { max: 100, windowSeconds: 3600 }, loginPerUsername: { max: 100, windowSeconds: 3600 } };
    const trusted = await limitsOf(['127.0.0.1'], wrong, rateLimit);
    assert.deepEqual(trusted.first, [400, 400]);
    assert.deepEqual([trusted.alice, trusted.bob], [429, 400], 'Bob\'s attempts are his own');
    const untrusted = await limitsOf(false, wrong, rateLimit);
    assert.deepEqual([untrusted.alice, untrusted.bob], [429, 429]);
  });

  test('a trustProxy entry that is not an address or a range is refused at start, naming the field', async () => {
    await assert.rejects(startCli(demoConfig({ trustProxy: ['10.0.0.0/33'] })), /config\.trustProxy\[0\]/);
    await assert.rejects(startCli(demoConfig({ trustProxy: 'yes' })), /config\.trustProxy/);
  });
});
