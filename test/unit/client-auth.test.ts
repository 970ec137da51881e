import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authenticateClient } from '../../src/client-auth.js';
import { parseParams } from '../../src/request.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { basicAuth } from '../helpers/http.js';
import { poster, skyvault, spa } from '../helpers/fixtures.js';

const store = await createMemoryStore({ clients: [skyvault, spa, poster, { ...skyvault, client_id: 'odd id:1', client_secret: 's p+c:é' }] });

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
});
