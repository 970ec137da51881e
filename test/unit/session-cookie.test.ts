/**
 * The sign-in session cookie (src/app/session.ts): on an https issuer it is `__Host-tollgate_session`,
 * Secure, Path=/ and without Domain (RFC 6265bis §4.1.3.2), so no subdomain or plain-http page can
 * plant or shadow it; on http it is `tollgate_session` without Secure (a browser would drop it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSessions } from '../../src/app/session.js';

const SECRET = 'a session secret of at least thirty-two characters';

/** The cookie's name=value pair and its attributes, lower-cased, as a browser reads a Set-Cookie line. */
function parseSetCookie(line: string): { name: string; value: string; attributes: Map<string, string> } {
  const [pair = '', ...rest] = line.split(';').map((part) => part.trim());
  const eq = pair.indexOf('=');
  const attributes = new Map(rest.map((part) => {
    const at = part.indexOf('=');
    return at === -1 ? [part.toLowerCase(), ''] : [part.slice(0, at).toLowerCase(), part.slice(at + 1)];
  }));
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes };
}

test('on an https issuer the session cookie is __Host-tollgate_session with Secure; Path=/ and no Domain', () => {
  const sessions = createSessions({ secret: SECRET, secure: true, ttlSeconds: 60 });
  const session = { ...sessions.create(), userId: 'admin' };
  for (const line of [sessions.cookie(session), sessions.clear()]) {
    const { name, attributes } = parseSetCookie(line);
    assert.equal(name, '__Host-tollgate_session');
    assert.ok(attributes.has('secure'), line);
    assert.equal(attributes.get('path'), '/');
    assert.equal(attributes.has('domain'), false, line);
    assert.ok(attributes.has('httponly'), line);
    assert.equal(attributes.get('samesite'), 'Lax');
  }
  const { name, value } = parseSetCookie(sessions.cookie(session));
  assert.equal(sessions.read(`${name}=${value}`)?.userId, 'admin');
});

test('on https a cookie without the __Host- prefix (one anyone could plant) is not read as the session', () => {
  const secure = createSessions({ secret: SECRET, secure: true, ttlSeconds: 60 });
  const { value } = parseSetCookie(secure.cookie({ ...secure.create(), userId: 'admin' }));
  assert.equal(secure.read(`tollgate_session=${value}`), undefined);
});

test('on an http issuer the session cookie is tollgate_session, HttpOnly, without Secure', () => {
  const sessions = createSessions({ secret: SECRET, secure: false, ttlSeconds: 60 });
  const line = sessions.cookie({ ...sessions.create(), userId: 'admin' });
  const { name, value, attributes } = parseSetCookie(line);
  assert.equal(name, 'tollgate_session');
  assert.equal(attributes.has('secure'), false, line);
  assert.equal(attributes.get('path'), '/');
  assert.ok(attributes.has('httponly'));
  assert.equal(sessions.read(`${name}=${value}`)?.userId, 'admin');
});

test('a session cookie signed with another secret, or altered, is not read', () => {
  const sessions = createSessions({ secret: SECRET, secure: false, ttlSeconds: 60 });
  const other = createSessions({ secret: `${SECRET}!`, secure: false, ttlSeconds: 60 });
  const { name, value } = parseSetCookie(other.cookie({ ...other.create(), userId: 'admin' }));
  assert.equal(sessions.read(`${name}=${value}`), undefined);
  const own = parseSetCookie(sessions.cookie({ ...sessions.create(), userId: 'admin' }));
  const forged = Buffer.from(JSON.stringify({ csrf: 'x', userId: 'root', exp: Date.now() + 60_000 })).toString('base64url');
  assert.equal(sessions.read(`${own.name}=${forged}.${own.value.split('.')[1]}`), undefined);
});
