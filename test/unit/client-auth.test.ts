import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authenticateClient } from '../../src/client-auth.js';
import { parseParams } from '../../src/request.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { basicAuth } from '../helpers/http.js';
import { poster, skyvault, spa } from '../helpers/fixtures.js';

const PLUS_SECRET = 'a+b/c=d+';
const PERCENT_SECRET = 'x%41y%zz%';
const store = await createMemoryStore({
  clients: [
    skyvault,
    spa,
    poster,
    { ...skyvault, client_id: 'odd id:1', client_secret: 's p+c:é' },
    { ...skyvault, client_id: 'plus', client_secret: PLUS_SECRET },
    { ...skyvault, client_id: 'percent', client_secret: PERCENT_SECRET },
    { ...skyvault, client_id: 'a+b', client_secret: 'raw-id' },
  ],
});

/** Basic credentials as curl -u, the MCP SDK and several fetch clients send them: not form-encoded. */
const rawBasic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

function auth(body: Record<string, string>, authorization?: string) {
  const request = { method: 'POST', url: '/oauth/token', headers: authorization ? { authorization } : {} };
  return authenticateClient(request, parseParams(body), store);
}

describe('client authentication (RFC 6749 §2.3)', () => {
  it('client_secret_basic, with id and secret form-encoded (RFC 6749 §2.3.1)', async () => {
    assert.equal((await auth({}, basicAuth('SkyVaultapp', 'secret'))).client_id, 'SkyVaultapp');
    assert.equal((await auth({}, basicAuth('odd id:1', 's p+c:é'))).client_id, 'odd id:1');
  });

  it('client_secret_post (RFC 6749 §2.3.1)', async () => {
    assert.equal((await auth({ client_id: 'poster', client_secret: 'poster-secret' })).client_id, 'poster');
  });

  it('none: a public client identifies itself with client_id (RFC 6749 §2.1)', async () => {
    assert.equal((await auth({ client_id: 'spa' })).client_id, 'spa');
  });

  it('more than one method is invalid_request (RFC 6749 §2.3)', async () => {
    await assert.rejects(auth({ client_secret: 'secret' }, basicAuth('SkyVaultapp', 'secret')), { error: 'invalid_request' });
    await assert.rejects(auth({ client_id: 'poster' }, basicAuth('SkyVaultapp', 'secret')), { error: 'invalid_request' });
  });

  it('a failure is invalid_client, with a Basic challenge only when Basic was tried (RFC 6749 §5.2)', async () => {
    const basicFailure = await auth({}, basicAuth('SkyVaultapp', 'nope')).catch((err: unknown) => err);
    assert.equal((basicFailure as { error: string }).error, 'invalid_client');
    assert.match((basicFailure as { headers: Record<string, string> }).headers['WWW-Authenticate'] ?? '', /^Basic realm=/);
    // An empty Basic header was still an attempt at Basic: it gets the challenge too.
    const emptyBasic = await auth({}, 'Basic').catch((err: unknown) => err);
    assert.equal((emptyBasic as { error: string }).error, 'invalid_client');
    assert.match((emptyBasic as { headers: Record<string, string> }).headers['WWW-Authenticate'] ?? '', /^Basic realm=/);
    const postFailure = await auth({ client_id: 'poster', client_secret: 'nope' }).catch((err: unknown) => err);
    assert.equal((postFailure as { error: string }).error, 'invalid_client');
    assert.deepEqual((postFailure as { headers: Record<string, string> }).headers, {});
  });

  it('the registered method is the only one accepted (RFC 7591 §2)', async () => {
    await assert.rejects(auth({}, basicAuth('poster', 'poster-secret')), { error: 'invalid_client' });
    await assert.rejects(auth({ client_id: 'SkyVaultapp', client_secret: 'secret' }), { error: 'invalid_client' });
    await assert.rejects(auth({ client_id: 'SkyVaultapp' }), { error: 'invalid_client' });
    await assert.rejects(auth({ client_id: 'spa', client_secret: 'anything' }), { error: 'invalid_client' });
    await assert.rejects(auth({}), { error: 'invalid_client' });
  });

  describe('Basic credentials sent without the RFC 6749 §2.3.1 form-encoding still authenticate', () => {
    it('a secret with "+" authenticates sent raw and sent form-encoded', async () => {
      assert.equal((await auth({}, rawBasic('plus', PLUS_SECRET))).client_id, 'plus');
      assert.equal((await auth({}, basicAuth('plus', PLUS_SECRET))).client_id, 'plus');
    });

    it('a secret with "%" (valid and malformed percent sequences) authenticates sent raw and sent form-encoded', async () => {
      assert.equal((await auth({}, rawBasic('percent', PERCENT_SECRET))).client_id, 'percent');
      assert.equal((await auth({}, basicAuth('percent', PERCENT_SECRET))).client_id, 'percent');
    });

    it('an id with "+" sent raw authenticates too, and may be repeated as client_id in the body', async () => {
      assert.equal((await auth({}, rawBasic('a+b', 'raw-id'))).client_id, 'a+b');
      assert.equal((await auth({ client_id: 'a+b' }, rawBasic('a+b', 'raw-id'))).client_id, 'a+b');
      await assert.rejects(auth({ client_id: 'other' }, rawBasic('a+b', 'raw-id')), { error: 'invalid_request' });
    });

    it('a wrong secret still fails in either form: the raw reading is a second check, not a bypass', async () => {
      for (const authorization of [rawBasic('plus', 'a b/c=d '), basicAuth('plus', 'a b/c=d '), rawBasic('plus', 'a+b/c=d'), rawBasic('percent', 'x%41y%zz'), rawBasic('percent', 'xAy%zz%')]) {
        await assert.rejects(auth({}, authorization), { error: 'invalid_client', status: 401 }, authorization);
      }
    });

    it('a malformed percent sequence sent raw is an ordinary failure, never a thrown TypeError or URIError', async () => {
      for (const secret of ['%', '%zz', '%E9', 'abc%']) {
        await assert.rejects(auth({}, rawBasic('SkyVaultapp', secret)), { error: 'invalid_client', status: 401 }, secret);
      }
    });

    it('the raw reading is for Basic only: a client_secret_post secret is read form-decoded, once', async () => {
      const calls: Array<[string, string | null]> = [];
      const spy = { ...store, getClient: (id: string, secret: string | null) => (calls.push([id, secret]), store.getClient(id, secret)) };
      const request = { method: 'POST', url: '/oauth/token', headers: {} };
      await assert.rejects(authenticateClient(request, parseParams('client_id=poster&client_secret=a+b'), spy), { error: 'invalid_client' });
      assert.deepEqual(calls, [['poster', 'a b']]);
    });
  });
});
