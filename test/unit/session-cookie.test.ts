/**
 * The sign-in session (src/app/session.ts). The cookie: on an https issuer it is
 * `__Host-tollgate_session`, Secure, Path=/ and without Domain (RFC 6265bis §4.1.3.2), so no
 * subdomain or plain-http page can plant or shadow it; on http it is `tollgate_session` without
 * Secure (a browser would drop it). Who is signed in is the store's record, never the cookie: a
 * session ends everywhere when its record goes (sign-out, revocation, expiry, a deleted user).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/stores/store.js';
import { createSessions, revokeUserSessions } from '../../src/app/session.js';
import { createMemoryStore } from '../../src/stores/memory.js';

const SECRET = 'a session secret of at least thirty-two characters';
let store: Store;
let adminId: string;
let bobId: string;

before(async () => {
  store = await createMemoryStore();
  adminId = (await store.saveUser({ username: 'admin', password: 'tiger' })).id ?? '';
  bobId = (await store.saveUser({ username: 'bob', password: 'builder' })).id ?? '';
});

const sessionsOn = (options: { secure?: boolean; ttlSeconds?: number; secret?: string } = {}) =>
  createSessions({ store, secret: options.secret ?? SECRET, secure: options.secure ?? false, ttlSeconds: options.ttlSeconds ?? 60 });

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

/** The Cookie header a browser sends back for a Set-Cookie line. */
const cookieHeader = (line: string): string => line.split(';')[0] ?? '';

test('on an https issuer the session cookie is __Host-tollgate_session with Secure; Path=/ and no Domain', async () => {
  const sessions = sessionsOn({ secure: true });
  const session = await sessions.signIn(undefined, adminId, ['pwd']);
  for (const line of [sessions.cookie(session), sessions.clear()]) {
    const { name, attributes } = parseSetCookie(line);
    assert.equal(name, '__Host-tollgate_session');
    assert.ok(attributes.has('secure'), line);
    assert.equal(attributes.get('path'), '/');
    assert.equal(attributes.has('domain'), false, line);
    assert.ok(attributes.has('httponly'), line);
    assert.equal(attributes.get('samesite'), 'Lax');
  }
  assert.equal((await sessions.read(cookieHeader(sessions.cookie(session))))?.userId, adminId);
});

test('on https a cookie without the __Host- prefix (one anyone could plant) is not read as the session', async () => {
  const secure = sessionsOn({ secure: true });
  const { value } = parseSetCookie(secure.cookie(await secure.signIn(undefined, adminId, ['pwd'])));
  assert.equal(await secure.read(`tollgate_session=${value}`), undefined);
});

test('on an http issuer the session cookie is tollgate_session, HttpOnly, without Secure', async () => {
  const sessions = sessionsOn();
  const line = sessions.cookie(await sessions.signIn(undefined, adminId, ['pwd']));
  const { name, attributes } = parseSetCookie(line);
  assert.equal(name, 'tollgate_session');
  assert.equal(attributes.has('secure'), false, line);
  assert.equal(attributes.get('path'), '/');
  assert.ok(attributes.has('httponly'));
  assert.equal((await sessions.read(cookieHeader(line)))?.userId, adminId);
});

test('a session cookie signed with another secret, or altered, is not read', async () => {
  const sessions = sessionsOn();
  const other = sessionsOn({ secret: `${SECRET}!` });
  const { name, value } = parseSetCookie(other.cookie(await other.signIn(undefined, adminId, ['pwd'])));
  assert.equal(await sessions.read(`${name}=${value}`), undefined);
  const own = parseSetCookie(sessions.cookie(await sessions.signIn(undefined, adminId, ['pwd'])));
  const forged = Buffer.from(JSON.stringify({ csrf: 'x', id: 'guess', exp: Date.now() + 60_000 })).toString('base64url');
  assert.equal(await sessions.read(`${own.name}=${forged}.${own.value.split('.')[1]}`), undefined);
});

test('the cookie carries a session id, never the user: who is signed in is only in the store', async () => {
  const sessions = sessionsOn();
  const session = await sessions.signIn(undefined, adminId, ['pwd']);
  const payload = parseSetCookie(sessions.cookie(session)).value.split('.')[0] ?? '';
  const state = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(state).sort(), ['csrf', 'exp', 'id']);
  assert.equal(JSON.stringify(state).includes(adminId), false);
  const record = await store.getRecord('session', session.id as string);
  assert.equal(record?.subject, adminId);
});

test('ending a session deletes its record: a copy of the cookie no longer signs anyone in', async () => {
  const sessions = sessionsOn();
  const session = await sessions.signIn(undefined, adminId, ['pwd']);
  const copy = cookieHeader(sessions.cookie(session));
  await sessions.end(await sessions.read(copy));
  assert.equal(await sessions.read(copy), undefined);
});

test('signing in again replaces the previous session: its cookie is dead, the new one has a new id and CSRF token (no fixation)', async () => {
  const sessions = sessionsOn();
  const first = await sessions.signIn(undefined, adminId, ['pwd']);
  const second = await sessions.signIn(first, adminId, ['pwd']);
  assert.notEqual(second.id, first.id);
  assert.notEqual(second.csrf, first.csrf);
  assert.equal(await sessions.read(cookieHeader(sessions.cookie(first))), undefined);
  assert.equal((await sessions.read(cookieHeader(sessions.cookie(second))))?.userId, adminId);
});

test('revokeUserSessions ends every session of that user, in every browser, and no one else\'s', async () => {
  const sessions = sessionsOn();
  const browsers = [await sessions.signIn(undefined, adminId, ['pwd']), await sessions.signIn(undefined, adminId, ['pwd'])];
  const bob = await sessions.signIn(undefined, bobId, ['pwd']);
  assert.ok((await revokeUserSessions(store, adminId)) >= 2);
  for (const session of browsers) assert.equal(await sessions.read(cookieHeader(sessions.cookie(session))), undefined);
  assert.equal((await sessions.read(cookieHeader(sessions.cookie(bob))))?.userId, bobId);
});

test('an expired session is signed out, though the cookie is replayed as it was', async () => {
  const sessions = sessionsOn({ ttlSeconds: 1 });
  const copy = cookieHeader(sessions.cookie(await sessions.signIn(undefined, adminId, ['pwd'])));
  assert.equal((await sessions.read(copy))?.userId, adminId);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  assert.equal(await sessions.read(copy), undefined);
});

test('a session whose user no longer exists is signed out', async () => {
  const sessions = sessionsOn();
  const session = await sessions.signIn(undefined, 'a-user-deleted-since', ['pwd']);
  assert.equal(await sessions.read(cookieHeader(sessions.cookie(session))), undefined);
  assert.equal(await store.getRecord('session', session.id as string), null, 'and its record is gone');
});
