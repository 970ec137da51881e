/** The config fields for limits: rateLimit, http, and public clients on the password grant (RFC 9700 §2.4). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_HTTP_LIMITS, DEFAULT_RATE_LIMITS, validateConfig } from '../../src/app/config.js';

const publicPasswordClient = { client_id: 'cli-app', grant_types: ['password'] };

describe('config: limits', () => {
  test('a public client registered for the password grant is refused at config load, naming allowPublicPasswordGrant (RFC 9700 §2.4)', () => {
    assert.throws(() => validateConfig({ clients: [publicPasswordClient] }), (err: Error) => {
      assert.match(err.message, /config\.clients\[0\]\.grant_types/);
      assert.match(err.message, /allowPublicPasswordGrant/);
      return true;
    });
  });

  test('allowPublicPasswordGrant: true lets a public client use the password grant; it must be a boolean', () => {
    const config = validateConfig({ clients: [{ ...publicPasswordClient, allowPublicPasswordGrant: true }] });
    assert.deepEqual(config.clients[0]?.grant_types, ['password']);
    assert.throws(() => validateConfig({ clients: [{ ...publicPasswordClient, allowPublicPasswordGrant: 'yes' }] }), /allowPublicPasswordGrant/);
  });

  test('a confidential client needs no flag for the password grant', () => {
    assert.doesNotThrow(() => validateConfig({ clients: [{ ...publicPasswordClient, client_secret: 's'.repeat(32) }] }));
  });

  test('rateLimit takes loginPerUsernameAndIp; the defaults make the per-username ceiling slower than the per-pair limit', () => {
    const config = validateConfig({ rateLimit: { loginPerUsernameAndIp: { max: 3, windowSeconds: 60 } } });
    assert.deepEqual(config.rateLimit.loginPerUsernameAndIp, { max: 3, windowSeconds: 60 });
    assert.deepEqual(config.rateLimit.loginPerUsername, DEFAULT_RATE_LIMITS.loginPerUsername);
    assert.ok(DEFAULT_RATE_LIMITS.loginPerUsername.windowSeconds > DEFAULT_RATE_LIMITS.loginPerUsernameAndIp.windowSeconds);
  });

  test('http limits have safe defaults and are checked field by field', () => {
    assert.deepEqual(validateConfig({}).http, DEFAULT_HTTP_LIMITS);
    assert.deepEqual(validateConfig({ http: { maxConnections: 10 } }).http, { ...DEFAULT_HTTP_LIMITS, maxConnections: 10 });
    assert.throws(() => validateConfig({ http: { requestTimeout: 0 } }), /config\.http\.requestTimeout/);
    assert.throws(() => validateConfig({ http: { idle: 5 } }), /config\.http\.idle/);
    assert.throws(() => validateConfig({ http: { requestTimeout: 5, headersTimeout: 10 } }), /config\.http\.headersTimeout/);
  });
});
