import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { basicCredentials, bodyOf, getHeader, isFormRequest, parseParams, queryString } from '../../src/request.js';
import { basicAuth } from '../helpers/http.js';

const withAuth = (authorization: string) => ({ method: 'POST', url: '/', headers: { authorization } });

describe('request parsing (RFC 6749 §3.1, §3.2)', () => {
  it('reads form parameters, decoding + and percent-escapes', () => {
    assert.deepEqual({ ...parseParams('a=1&b=x+y&c=%C3%A9%2B') }, { a: '1', b: 'x y', c: 'é+' });
  });

  it('refuses a parameter sent twice, in one source or across two (RFC 6749 §3.1)', () => {
    for (const sources of [['a=1&a=2'], ['a=1&a=1'], ['a=&a=1'], ['a=1', 'a=2']] as string[][]) {
      assert.throws(() => parseParams(...sources), { error: 'invalid_request' }, sources.join(' | '));
    }
    assert.throws(() => parseParams({ a: ['1', '2'] }), { error: 'invalid_request' });
    assert.throws(() => parseParams('a=1', { a: '1' }), { error: 'invalid_request' });
  });

  it('treats a parameter without a value as omitted (RFC 6749 §3.1)', () => {
    assert.deepEqual({ ...parseParams('a=&b=2&c') }, { b: '2' });
    assert.deepEqual({ ...parseParams({ a: '', b: ['2'], c: undefined }) }, { b: '2' });
  });

  it('refuses a parsed value that is not a string', () => {
    assert.throws(() => parseParams({ a: { nested: '1' } }), { error: 'invalid_request' });
    assert.throws(() => parseParams({ a: 1 }), { error: 'invalid_request' });
  });

  it('keeps odd names as data, never as object machinery', () => {
    const params = parseParams('__proto__=x&constructor=y&toString=z');
    assert.equal(params.__proto__, 'x');
    assert.equal(params.constructor, 'y');
    assert.equal(Object.getPrototypeOf(params), null);
  });

  it('survives invalid percent-encoding and invalid UTF-8', () => {
    assert.deepEqual({ ...parseParams('a=%E0%A4%A&b=%zz&c=%FF') }, { a: '\uFFFD%A', b: '%zz', c: '\uFFFD' });
    assert.equal(bodyOf({ method: 'POST', url: '/', headers: {}, body: new Uint8Array([0x61, 0x3d, 0xff]) }), 'a=\uFFFD');
  });

  it('reads the query without the fragment, and headers case-insensitively', () => {
    assert.equal(queryString('/authorize?a=1#frag'), 'a=1');
    assert.equal(queryString('/authorize'), '');
    assert.equal(getHeader({ 'Content-Type': 'text/plain' }, 'content-type'), 'text/plain');
    assert.equal(getHeader({ accept: ['a', 'b'] }, 'accept'), 'a, b');
  });

  it('recognises a form body by its media type, ignoring case and parameters (RFC 6749 Appendix B)', () => {
    const form = (type: string) => isFormRequest({ method: 'POST', url: '/', headers: { 'content-type': type } });
    assert.ok(form('application/x-www-form-urlencoded'));
    assert.ok(form('Application/X-WWW-Form-URLEncoded ; charset=utf-8'));
    assert.equal(form('application/json'), false);
    assert.equal(form('application/x-www-form-urlencodedx'), false);
    assert.equal(isFormRequest({ method: 'POST', url: '/', headers: {} }), false);
  });
});

describe('HTTP Basic client credentials (RFC 6749 §2.3.1)', () => {
  it('form-decodes the id and secret before use', () => {
    const encoded = basicAuth('my client:1', 'p@ss:w+rd%/é');
    const sent = Buffer.from(encoded.slice(6), 'base64').toString('utf8');
    const colon = sent.indexOf(':');
    assert.deepEqual(basicCredentials(withAuth(encoded)), {
      clientId: 'my client:1',
      clientSecret: 'p@ss:w+rd%/é',
      asSent: { clientId: sent.slice(0, colon), clientSecret: sent.slice(colon + 1) },
    });
    // A plain (not form-encoded) credential of unreserved characters reads the same.
    assert.deepEqual(basicCredentials(withAuth(`Basic ${Buffer.from('SkyVaultapp:secret').toString('base64')}`)), { clientId: 'SkyVaultapp', clientSecret: 'secret' });
    // "+" is a space in form encoding.
    assert.deepEqual(basicCredentials(withAuth(`Basic ${Buffer.from('a+b:c+d').toString('base64')}`)), {
      clientId: 'a b',
      clientSecret: 'c d',
      asSent: { clientId: 'a+b', clientSecret: 'c+d' },
    });
  });

  it('keeps the credentials as sent beside the decoded ones when they differ, for clients that skip the form-encoding', () => {
    assert.deepEqual(basicCredentials(withAuth(`Basic ${Buffer.from('app:s3cr3t+x%41').toString('base64')}`)), {
      clientId: 'app',
      clientSecret: 's3cr3t xA',
      asSent: { clientId: 'app', clientSecret: 's3cr3t+x%41' },
    });
  });

  it('a malformed percent sequence is read as sent, not thrown (the client did not form-encode)', () => {
    for (const [id, secret] of [['a%zz', 'b'], ['a', '50%off'], ['a', 'trailing%'], ['a', '%E9']]) {
      const request = withAuth(`Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`);
      assert.deepEqual(basicCredentials(request), { clientId: id, clientSecret: secret }, `${id}:${secret}`);
    }
  });

  it('the scheme name is case-insensitive; other schemes are not Basic credentials (RFC 9110 §11.1)', () => {
    assert.deepEqual(basicCredentials(withAuth(`bAsIc ${Buffer.from('a:b').toString('base64')}`)), { clientId: 'a', clientSecret: 'b' });
    assert.equal(basicCredentials(withAuth('Bearer abc')), undefined);
    assert.equal(basicCredentials({ method: 'POST', url: '/', headers: {} }), undefined);
  });

  it('reports malformed credentials: bad base64, no colon', () => {
    for (const value of ['Basic %%%', 'Basic ', `Basic ${Buffer.from('nocolon').toString('base64')}`]) {
      assert.equal(basicCredentials(withAuth(value)), 'malformed', value);
    }
  });
});
