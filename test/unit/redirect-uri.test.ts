import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchesRedirectUri, resolveRedirectUri } from '../../src/redirect-uri.js';
import type { Client } from '../../src/types.js';

const client = (redirect_uris: string[]): Client => ({ client_id: 'c', token_endpoint_auth_method: 'none', redirect_uris, grant_types: [] });

describe('redirect URI matching (RFC 6749 §3.1.2, RFC 9700 §4.1.3)', () => {
  it('matches by exact string only', () => {
    const registered = 'https://client.example.com/cb';
    assert.ok(matchesRedirectUri(registered, registered));
    for (const requested of [
      'https://client.example.com/cb/',
      'https://Client.example.com/cb',
      'https://client.example.com/CB',
      'https://client.example.com/cb?x=1',
      'https://client.example.com/cb#x',
      'https://client.example.com:443/cb',
      'https://client.example.com/%63b',
      'https://client.example.com/x/../cb',
      'http://client.example.com/cb',
      'https://client.example.com.evil/cb',
      'https://evil@client.example.com/cb',
    ]) {
      assert.equal(matchesRedirectUri(requested, registered), false, requested);
    }
  });

  it('lets a loopback IP redirect URI use any port, only when one is registered (RFC 8252 §7.3)', () => {
    for (const registered of ['http://127.0.0.1/cb', 'http://127.0.0.1:8080/cb']) {
      assert.ok(matchesRedirectUri('http://127.0.0.1:51004/cb', registered));
      assert.ok(matchesRedirectUri('http://127.0.0.1/cb', registered));
    }
    assert.ok(matchesRedirectUri('http://[::1]:6000/cb?x=1', 'http://[::1]/cb?x=1'));
    for (const requested of [
      'http://127.0.0.1:51004/cb/',
      'http://127.0.0.1:51004/x/../cb',
      'http://127.0.0.1:51004/cb#f',
      'http://127.0.0.1:99999/cb',
      'http://127.0.0.1:/cb',
      'http://localhost:51004/cb',
      'https://127.0.0.1:51004/cb',
      'http://[::1]:51004/cb',
      'http://127.0.0.1:51004@evil.example/cb',
    ]) {
      assert.equal(matchesRedirectUri(requested, 'http://127.0.0.1/cb'), false, requested);
    }
    // No loopback registration, no port freedom.
    assert.equal(matchesRedirectUri('https://client.example.com:8443/cb', 'https://client.example.com/cb'), false);
    assert.equal(matchesRedirectUri('http://localhost:5000/cb', 'http://localhost/cb'), false);
  });

  it('a native app\'s http://localhost matches on any port, and only for a native app (RFC 8252 §7.3)', () => {
    assert.ok(matchesRedirectUri('http://localhost:5000/cb', 'http://localhost/cb', true));
    assert.ok(matchesRedirectUri('http://localhost:5000/cb', 'http://localhost:7000/cb', true));
    assert.equal(matchesRedirectUri('http://localhost:5000/cb', 'http://localhost/cb', false), false);
    for (const requested of ['http://localhost:5000/other', 'http://localhost.evil.example:5000/cb', 'http://localhost:5000@evil.example/cb', 'http://localhost:99999/cb']) {
      assert.equal(matchesRedirectUri(requested, 'http://localhost/cb', true), false, requested);
    }
  });

  it('resolves an omitted redirect_uri only when exactly one is registered (RFC 6749 §3.1.2.3)', () => {
    assert.equal(resolveRedirectUri(client(['https://a.example/cb']), undefined), 'https://a.example/cb');
    assert.equal(resolveRedirectUri(client(['https://a.example/cb', 'https://b.example/cb']), undefined), undefined);
    assert.equal(resolveRedirectUri(client([]), undefined), undefined);
    assert.equal(resolveRedirectUri(client(['https://a.example/cb', 'https://b.example/cb']), 'https://b.example/cb'), 'https://b.example/cb');
    assert.equal(resolveRedirectUri(client(['https://a.example/cb']), 'https://c.example/cb'), undefined);
  });
});
