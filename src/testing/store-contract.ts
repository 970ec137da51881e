/**
 * The store contract: one node:test suite that every `Store` must pass, the shipped ones and yours.
 * It pins down the memory store's semantics, including single use under races (RFC 6749 §4.1.2,
 * RFC 9700 §4.14.2) and hashed storage.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { hashPassword, hashSecret, hashToken, randomToken } from '../secrets.js';
import type { Store } from '../stores/store.js';
import type { SigningKey } from '../tokens/signing-keys.js';
import type { AuthorizationCode, Client, Token } from '../types.js';
import { DEVICE_CODE } from '../grants/device-code.js';
import { approvedDevicePolls } from './device-polls.js';
import { storeAdminContract } from './store-admin-contract.js';

/** Options of the store contract suite. */
export interface StoreContractOptions {
  /**
   * Everything the store holds, as text (a dump of its tables or keys). When given, the contract
   * checks that no token value, code, client secret or password appears in it in clear.
   */
  rawContents?: () => Promise<string>;
}

const HOUR = 3_600_000;
/** How many callers race for one single-use value. */
const RACERS = 50;

const unique = (label: string): string => `${label}-${randomUUID()}`;
/** A time `ms` from now, at whole milliseconds so every store can round-trip it exactly. */
const inMs = (ms: number): Date => new Date(Date.now() + ms);

/**
 * Registers the contract as a `describe` block named `name`. `createStore` is called once before
 * the first case and the store is closed after the last. Every case uses fresh random ids, so a
 * store that already holds data (a shared database) passes too.
 *
 * @example
 * storeContract('my store', () => createMyStore({ url }));
 */
export function storeContract(name: string, createStore: () => Promise<Store>, options: StoreContractOptions = {}): void {
  describe(name, () => {
    let store: Store;
    before(async () => {
      store = await createStore();
    });
    after(async () => {
      // `before` may have failed, leaving nothing to close.
      if (store !== undefined) await store.close();
    });

    async function newClient(overrides: Partial<Client> = {}): Promise<{ client: Client; secret: string }> {
      const secret = randomToken();
      const client = await store.saveClient({
        client_id: unique('client'),
        client_secret: secret,
        redirect_uris: ['https://client.example.com/cb'],
        grant_types: ['authorization_code', 'refresh_token'],
        scope: 'read write',
        ...overrides,
      });
      return { client, secret };
    }

    async function newToken(overrides: Partial<Token> = {}): Promise<Token> {
      const { client } = await newClient();
      const token: Token = {
        accessToken: randomToken(),
        accessTokenExpiresAt: inMs(HOUR),
        refreshToken: randomToken(),
        refreshTokenExpiresAt: inMs(24 * HOUR),
        scope: ['read', 'write'],
        client,
        user: { id: unique('user'), username: 'alice' },
        grantId: unique('grant'),
        ...overrides,
      };
      await store.saveToken(token, token.client, token.user);
      return token;
    }

    async function newCode(overrides: Partial<AuthorizationCode> = {}): Promise<AuthorizationCode> {
      const { client } = await newClient();
      const code: AuthorizationCode = {
        authorizationCode: randomToken(),
        expiresAt: inMs(60_000),
        redirectUri: 'https://client.example.com/cb',
        scope: ['read'],
        client,
        user: { id: unique('user'), username: 'alice' },
        codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        codeChallengeMethod: 'S256',
        grantId: unique('grant'),
        ...overrides,
      };
      await store.saveAuthorizationCode(code, code.client, code.user);
      return code;
    }

    function newKey(kid: string): SigningKey {
      return {
        kid,
        alg: 'ES256',
        privateJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd', kid },
        publicJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid },
        createdAt: inMs(0),
      };
    }

    describe('clients', () => {
      it('round-trips a confidential client and checks its secret (RFC 6749 §2.3.1)', async () => {
        const { client, secret } = await newClient({ client_name: 'Example' });
        assert.equal(client.token_endpoint_auth_method, 'client_secret_basic');
        assert.deepEqual(await store.getClient(client.client_id, null), client);
        assert.deepEqual(await store.getClient(client.client_id, secret), client);
        assert.equal(await store.getClient(client.client_id, 'wrong'), null);
        assert.equal(await store.getClient(client.client_id, ''), null);
      });

      it('finds no unknown client', async () => {
        assert.ok(!(await store.getClient(unique('nobody'), null)));
        assert.ok(!(await store.getClient(unique('nobody'), 'secret')));
      });

      it('registers a client without a secret as public, and no secret authenticates it (RFC 6749 §2.1)', async () => {
        const client = await store.saveClient({ client_id: unique('public'), redirect_uris: ['https://a.example/cb'], grant_types: ['authorization_code'] });
        assert.equal(client.token_endpoint_auth_method, 'none');
        assert.deepEqual(await store.getClient(client.client_id, null), client);
        assert.equal(await store.getClient(client.client_id, ''), null);
        assert.equal(await store.getClient(client.client_id, 'anything'), null);
      });

      it('replaces a client saved again under the same id, secret included', async () => {
        const { client, secret } = await newClient();
        const replaced = await store.saveClient({ ...client, client_secret: 'new-secret', scope: 'read' });
        assert.deepEqual(await store.getClient(client.client_id, null), replaced);
        assert.equal(await store.getClient(client.client_id, secret), null);
        assert.deepEqual(await store.getClient(client.client_id, 'new-secret'), replaced);
        await store.saveClient({ client_id: client.client_id, redirect_uris: client.redirect_uris, grant_types: client.grant_types });
        assert.equal(await store.getClient(client.client_id, 'new-secret'), null);
      });

      it('keeps a pre-hashed client_secret_hash as given: the clear secret authenticates, the hash itself does not', async () => {
        const secret = randomToken();
        const client = await store.saveClient({
          client_id: unique('prehashed'),
          client_secret_hash: hashSecret(secret),
          redirect_uris: ['https://a.example/cb'],
          grant_types: ['client_credentials'],
        });
        assert.equal(client.token_endpoint_auth_method, 'client_secret_basic', 'a hash makes the client confidential');
        assert.equal('client_secret_hash' in client, false, 'the hash is not part of the client the core sees');
        assert.deepEqual(await store.getClient(client.client_id, secret), client);
        assert.equal(await store.getClient(client.client_id, hashSecret(secret)), null);
        await assert.rejects(
          store.saveClient({ client_id: unique('bad'), client_secret_hash: 'not-a-digest', redirect_uris: [], grant_types: ['client_credentials'] }),
          /client_secret_hash/,
        );
        await assert.rejects(
          store.saveClient({ client_id: unique('both'), client_secret: secret, client_secret_hash: hashSecret(secret), redirect_uris: [], grant_types: ['client_credentials'] }),
          /not both/,
        );
      });

      it('deletes a client, once, with the metadata dynamic registration keeps (RFC 7592 §2.3)', async () => {
        const { client, secret } = await newClient();
        const registered = await store.saveClient({ ...client, client_secret: secret, application_type: 'native', registration_access_token_hash: 'h', client_id_issued_at: 1 });
        assert.deepEqual(await store.getClient(client.client_id, null), registered);
        assert.equal(await store.deleteClient(client.client_id), true);
        assert.equal(await store.getClient(client.client_id, null), null);
        assert.equal(await store.getClient(client.client_id, secret), null);
        assert.equal(await store.deleteClient(client.client_id), false);
      });

      it('gives back the secret of a client_secret_jwt client alone, never in the client itself (RFC 7523 §2.2)', async () => {
        const secret = randomToken(64);
        const hs = await store.saveClient({
          client_id: unique('hs'), client_secret: secret, token_endpoint_auth_method: 'client_secret_jwt', redirect_uris: [], grant_types: ['client_credentials'],
        });
        assert.equal(hs.token_endpoint_auth_method, 'client_secret_jwt');
        assert.equal(await store.getClientSecret(hs), secret);
        const found = await store.getClient(hs.client_id, null);
        assert.ok(found);
        assert.equal(await store.getClientSecret(found), secret);
        // The secret never rides on the client: it would travel into token rows, logs and registration reads.
        assert.ok(!JSON.stringify([found, ...(await store.listClients())]).includes(secret), 'the secret is part of a client record');
        // A client_secret_basic client's secret is kept only as a hash: nothing to give back.
        const { client: basic } = await newClient();
        assert.equal(await store.getClientSecret(basic), null);
        // A client claiming the method without being registered for it gets nothing either.
        assert.equal(await store.getClientSecret({ ...basic, token_endpoint_auth_method: 'client_secret_jwt' }), null);
        assert.equal(await store.getClientSecret({ ...hs, client_id: unique('nobody') }), null);
        // Saved again with another method, the kept secret goes.
        const rebased = await store.saveClient({ ...hs, token_endpoint_auth_method: 'client_secret_basic', client_secret: secret });
        assert.equal(await store.getClientSecret({ ...rebased, token_endpoint_auth_method: 'client_secret_jwt' }), null);
      });

      it('refuses a client_secret_jwt client given only a client_secret_hash, or a secret shorter than 32 bytes (RFC 7518 §3.2)', async () => {
        const base = { token_endpoint_auth_method: 'client_secret_jwt', redirect_uris: [], grant_types: ['client_credentials'] } as const;
        await assert.rejects(store.saveClient({ ...base, client_id: unique('hs'), client_secret_hash: hashSecret(randomToken()) }), /client_secret_hash/);
        await assert.rejects(store.saveClient({ ...base, client_id: unique('hs'), client_secret: 'short' }), /at least 32 bytes/);
        await assert.rejects(store.saveClient({ ...base, client_id: unique('hs') }), /client_secret/);
      });

      it('gives a client its own identity as the user of client credentials (RFC 6749 §4.4)', async () => {
        const { client } = await newClient();
        const user = await store.getUserFromClient(client);
        assert.ok(user && (user.id ?? user.username) !== undefined);
      });
    });

    describe('users', () => {
      it('finds a user by username and password, never by a wrong password (RFC 6749 §4.3.2)', async () => {
        const username = unique('alice');
        const saved = await store.saveUser({ username, password: 'tiger' });
        assert.equal(saved.username, username);
        assert.equal(typeof saved.id, 'string');
        assert.deepEqual(await store.getUser(username, 'tiger', (await newClient()).client), saved);
        assert.equal(await store.getUser(username, 'Tiger', (await newClient()).client), null);
        assert.equal(await store.getUser(username, '', (await newClient()).client), null);
      });

      it('keeps a pre-hashed password_hash as given: the clear password finds the user, the hash itself does not', async () => {
        const username = unique('carol');
        const passwordHash = await hashPassword('tiger');
        const saved = await store.saveUser({ username, password_hash: passwordHash });
        assert.deepEqual(await store.getUser(username, 'tiger', (await newClient()).client), saved);
        assert.equal(await store.getUser(username, passwordHash, (await newClient()).client), null);
        await assert.rejects(store.saveUser({ username: unique('weak'), password_hash: passwordHash.replace('$16384$', '$1024$') }), /password_hash/);
      });

      it('finds no unknown user', async () => {
        assert.equal(await store.getUser(unique('nobody'), 'tiger', (await newClient()).client), null);
        assert.equal(await store.getUserById(unique('nobody')), null);
      });

      it('keeps the given id and finds the user by it, without the password hash', async () => {
        const id = unique('id');
        const user = await store.saveUser({ id, username: unique('bob'), password: 'pw' });
        assert.equal(user.id, id);
        const found = await store.getUserById(id);
        assert.deepEqual(found, user);
        assert.ok(!JSON.stringify(found).includes('scrypt'));
      });

      it('replaces a user saved again under the same username, keeping its id', async () => {
        const username = unique('carol');
        const first = await store.saveUser({ username, password: 'old' });
        const second = await store.saveUser({ username, password: 'new' });
        assert.equal(second.id, first.id);
        const client = (await newClient()).client;
        assert.equal(await store.getUser(username, 'old', client), null);
        assert.deepEqual(await store.getUser(username, 'new', client), second);
      });
    });

    describe('tokens', () => {
      it('round-trips an access token with its dates, scope, client, user and extra fields', async () => {
        const extra = { upstream: { token: 'u', n: 1, nested: [true, null] } };
        const token = await newToken({ extra, user: { id: unique('user'), username: 'alice', email: 'a@example.com' } });
        const found = await store.getAccessToken(token.accessToken);
        assert.ok(found);
        assert.equal(found.accessToken, token.accessToken);
        assert.ok(found.accessTokenExpiresAt instanceof Date);
        assert.equal(found.accessTokenExpiresAt.getTime(), token.accessTokenExpiresAt.getTime());
        assert.deepEqual(found.scope, token.scope);
        assert.deepEqual(found.client, token.client);
        assert.deepEqual(found.user, token.user);
        assert.equal(found.grantId, token.grantId);
        assert.deepEqual(found.extra, extra);
      });

      it('round-trips a refresh token, unconsumed', async () => {
        const token = await newToken();
        assert.ok(token.refreshToken && token.refreshTokenExpiresAt);
        const found = await store.getRefreshToken(token.refreshToken);
        assert.ok(found);
        assert.equal(found.refreshToken, token.refreshToken);
        assert.ok(found.refreshTokenExpiresAt instanceof Date);
        assert.equal(found.refreshTokenExpiresAt.getTime(), token.refreshTokenExpiresAt.getTime());
        assert.deepEqual(found.scope, token.scope);
        assert.deepEqual(found.client, token.client);
        assert.deepEqual(found.user, token.user);
        assert.equal(found.grantId, token.grantId);
        assert.equal(found.consumedAt, undefined);
      });

      it('keeps a wider refresh token scope apart from the access token\'s (RFC 6749 §6)', async () => {
        const token = await newToken({ scope: ['read'], refreshTokenScope: ['read', 'write'] });
        assert.ok(token.refreshToken);
        const access = await store.getAccessToken(token.accessToken);
        const refresh = await store.getRefreshToken(token.refreshToken);
        assert.ok(access && refresh);
        assert.deepEqual(access.scope, ['read']);
        assert.deepEqual(refresh.scope, ['read', 'write']);
      });

      it('saves an access token without a refresh token', async () => {
        const token = await newToken({ refreshToken: undefined, refreshTokenExpiresAt: undefined });
        assert.ok(await store.getAccessToken(token.accessToken));
      });

      it('finds no unknown token', async () => {
        assert.ok(!(await store.getAccessToken(randomToken())));
        assert.ok(!(await store.getRefreshToken(randomToken())));
      });

      it('consumes a refresh token once and keeps it, marked, for reuse detection (RFC 9700 §4.14.2)', async () => {
        const token = await newToken();
        assert.ok(token.refreshToken);
        const refresh = await store.getRefreshToken(token.refreshToken);
        assert.ok(refresh);
        const before = Date.now();
        assert.equal(await store.revokeToken(refresh), true);
        assert.equal(await store.revokeToken(refresh), false);
        const consumed = await store.getRefreshToken(token.refreshToken);
        assert.ok(consumed);
        assert.ok(consumed.consumedAt instanceof Date);
        // One second of slack for a database clock that runs a little behind this process's.
        assert.ok(consumed.consumedAt.getTime() >= before - 1000);
        // Consuming the refresh token leaves its access token alone.
        assert.ok(await store.getAccessToken(token.accessToken));
      });

      it('revoking an unknown refresh token reports false', async () => {
        const token = await newToken();
        assert.equal(await store.revokeToken({ ...token, refreshToken: randomToken(), refreshTokenExpiresAt: inMs(HOUR) }), false);
      });

      it('revokes an access token once (RFC 7009 §2.1)', async () => {
        const token = await newToken();
        const access = await store.getAccessToken(token.accessToken);
        assert.ok(access);
        assert.equal(await store.revokeAccessToken(access), true);
        assert.ok(!(await store.getAccessToken(token.accessToken)));
        assert.equal(await store.revokeAccessToken(access), false);
      });

      it('revokes every token of one grant and nothing else (RFC 9700 §4.14.2)', async () => {
        const first = await newToken();
        const second = await newToken({ grantId: first.grantId });
        const other = await newToken();
        assert.ok(store.revokeGrant);
        await store.revokeGrant(first.grantId);
        for (const token of [first, second]) {
          assert.ok(!(await store.getAccessToken(token.accessToken)));
          assert.ok(token.refreshToken);
          const refresh = await store.getRefreshToken(token.refreshToken);
          assert.ok(refresh && refresh.consumedAt instanceof Date);
          assert.equal(await store.revokeToken(refresh), false);
        }
        assert.ok(await store.getAccessToken(other.accessToken));
        assert.ok(other.refreshToken);
        const untouched = await store.getRefreshToken(other.refreshToken);
        assert.ok(untouched && untouched.consumedAt === undefined);
      });

      it('revoking an unknown grant is harmless', async () => {
        await store.revokeGrant?.(unique('grant'));
      });
    });

    describe('single-use values (the replay cache)', () => {
      it('useOnce is true for the first use and false for a replay, until it expires', async () => {
        const value = unique('nonce');
        const later = new Date(Date.now() + 60_000);
        assert.equal(await store.useOnce(value, later), true);
        assert.equal(await store.useOnce(value, later), false);
        assert.equal(await store.useOnce(unique('nonce'), later), true, 'another value is its own');
      });

      it('useOnce is atomic: of parallel uses of one value exactly one wins', async () => {
        const value = unique('jti');
        const later = new Date(Date.now() + 60_000);
        const results = await Promise.all(Array.from({ length: 16 }, () => store.useOnce(value, later)));
        assert.equal(results.filter(Boolean).length, 1);
      });

      it('an expired single-use value may be used again', async () => {
        const value = unique('nonce');
        assert.equal(await store.useOnce(value, new Date(Date.now() + 50)), true);
        await new Promise((resolve) => setTimeout(resolve, 80));
        assert.equal(await store.useOnce(value, new Date(Date.now() + 60_000)), true);
        assert.equal(await store.useOnce(value, new Date(Date.now() + 60_000)), false);
      });
    });

    describe('state records (device authorizations, pushed requests, sessions)', () => {
      const kind = 'contract';

      it('putRecord creates once; a live key is not overwritten', async () => {
        const key = unique('record');
        assert.equal(await store.putRecord(kind, key, { step: 1 }, { expiresAt: inMs(60_000) }), true);
        assert.equal(await store.putRecord(kind, key, { step: 2 }, { expiresAt: inMs(60_000) }), false);
        const found = await store.getRecord(kind, key);
        assert.deepEqual(found?.value, { step: 1 });
        assert.equal(found?.version, 1);
      });

      it('round-trips the value, expiry and subject; kinds do not share keys', async () => {
        const key = unique('record');
        const expiresAt = inMs(60_000);
        const value = { user: { id: 'u1' }, scope: ['read'], at: 1_700_000_000, nested: { ok: true, none: null } };
        await store.putRecord(kind, key, value, { expiresAt, subject: 'u1' });
        const found = await store.getRecord(kind, key);
        assert.deepEqual(found?.value, value);
        assert.equal(found?.expiresAt.getTime(), expiresAt.getTime());
        assert.equal(found?.subject, 'u1');
        assert.equal(await store.getRecord('other-kind', key), null);
        assert.equal(await store.getRecord(kind, unique('record')), null);
      });

      it('replaceRecord is a compare-and-swap on the version', async () => {
        const key = unique('record');
        await store.putRecord(kind, key, { state: 'pending' }, { expiresAt: inMs(60_000) });
        assert.equal(await store.replaceRecord(kind, key, 1, { state: 'approved' }), true);
        assert.equal(await store.replaceRecord(kind, key, 1, { state: 'denied' }), false, 'a stale version loses');
        const found = await store.getRecord(kind, key);
        assert.deepEqual(found?.value, { state: 'approved' });
        assert.equal(found?.version, 2);
        assert.equal(await store.replaceRecord(kind, unique('record'), 1, { state: 'x' }), false, 'nothing to replace');
      });

      it('replaceRecord is atomic: of parallel swaps from one version exactly one wins', async () => {
        const key = unique('record');
        await store.putRecord(kind, key, { n: 0 }, { expiresAt: inMs(60_000) });
        const results = await Promise.all(Array.from({ length: RACERS }, (_, n) => store.replaceRecord(kind, key, 1, { n })));
        assert.equal(results.filter(Boolean).length, 1);
        assert.equal((await store.getRecord(kind, key))?.version, 2);
      });

      it('takeRecord is atomic: of parallel takes exactly one gets the record, then it is gone', async () => {
        const key = unique('record');
        await store.putRecord(kind, key, { once: true }, { expiresAt: inMs(60_000) });
        const results = await Promise.all(Array.from({ length: RACERS }, () => store.takeRecord(kind, key)));
        const taken = results.filter((r) => r !== null);
        assert.equal(taken.length, 1);
        assert.deepEqual(taken[0]?.value, { once: true });
        assert.equal(await store.getRecord(kind, key), null);
      });

      it('putRecord is atomic: of parallel creations of one key exactly one wins', async () => {
        const key = unique('record');
        const results = await Promise.all(
          Array.from({ length: RACERS }, (_, n) => store.putRecord(kind, key, { n }, { expiresAt: inMs(60_000) })),
        );
        assert.equal(results.filter(Boolean).length, 1);
      });

      it('an expired record is gone for every method, and its key may be created again', async () => {
        const key = unique('record');
        await store.putRecord(kind, key, { old: true }, { expiresAt: inMs(50) });
        await new Promise((resolve) => setTimeout(resolve, 80));
        assert.equal(await store.getRecord(kind, key), null);
        assert.equal(await store.replaceRecord(kind, key, 1, { old: false }), false);
        assert.equal(await store.takeRecord(kind, key), null);
        assert.equal(await store.putRecord(kind, key, { fresh: true }, { expiresAt: inMs(60_000) }), true);
        assert.deepEqual((await store.getRecord(kind, key))?.value, { fresh: true });
      });

      it("deleteRecords removes one subject's records of one kind, and nothing else", async () => {
        const subject = unique('user');
        const [a, b, other, otherKind] = [unique('a'), unique('b'), unique('c'), unique('d')];
        await store.putRecord(kind, a, {}, { expiresAt: inMs(60_000), subject });
        await store.putRecord(kind, b, {}, { expiresAt: inMs(60_000), subject });
        await store.putRecord(kind, other, {}, { expiresAt: inMs(60_000), subject: unique('user') });
        await store.putRecord('other-kind', otherKind, {}, { expiresAt: inMs(60_000), subject });
        assert.equal(await store.deleteRecords(kind, subject), 2);
        assert.equal(await store.getRecord(kind, a), null);
        assert.equal(await store.getRecord(kind, b), null);
        assert.ok(await store.getRecord(kind, other));
        assert.ok(await store.getRecord('other-kind', otherKind));
        assert.equal(await store.deleteRecords(kind, subject), 0);
      });
    });

    describe('authorization codes', () => {
      it('round-trips a code with everything it is bound to (RFC 6749 §4.1.2, RFC 7636 §4.4)', async () => {
        const code = await newCode();
        const found = await store.getAuthorizationCode(code.authorizationCode);
        assert.ok(found);
        assert.equal(found.authorizationCode, code.authorizationCode);
        assert.ok(found.expiresAt instanceof Date);
        assert.equal(found.expiresAt.getTime(), code.expiresAt.getTime());
        assert.equal(found.redirectUri, code.redirectUri);
        assert.deepEqual(found.scope, code.scope);
        assert.deepEqual(found.client, code.client);
        assert.deepEqual(found.user, code.user);
        assert.equal(found.codeChallenge, code.codeChallenge);
        assert.equal(found.codeChallengeMethod, code.codeChallengeMethod);
        assert.equal(found.grantId, code.grantId);
        assert.equal(found.consumedAt, undefined);
      });

      it('round-trips a code with the extra fields an authorization half attaches (a nonce, resources)', async () => {
        const extra = { nonce: 'n-0S6_WzA2Mj', resources: ['https://mcp.example.com/'], authTime: 1_700_000_000 };
        const code = await newCode({ extra });
        const found = await store.getAuthorizationCode(code.authorizationCode);
        assert.ok(found);
        assert.deepEqual(found.extra, extra);
      });

      it('round-trips a code without redirect_uri or PKCE', async () => {
        const code = await newCode({ redirectUri: undefined, codeChallenge: undefined, codeChallengeMethod: undefined });
        const found = await store.getAuthorizationCode(code.authorizationCode);
        assert.ok(found);
        assert.equal(found.redirectUri, undefined);
        assert.equal(found.codeChallenge, undefined);
        assert.equal(found.codeChallengeMethod, undefined);
      });

      it('a code is single-use and kept, marked, for replay detection (RFC 6749 §4.1.2)', async () => {
        const code = await newCode();
        assert.equal(await store.revokeAuthorizationCode(code), true);
        assert.equal(await store.revokeAuthorizationCode(code), false);
        const found = await store.getAuthorizationCode(code.authorizationCode);
        assert.ok(found && found.consumedAt instanceof Date);
      });

      it('finds no unknown code, and revoking one reports false', async () => {
        assert.ok(!(await store.getAuthorizationCode(randomToken())));
        const code = await newCode();
        assert.equal(await store.revokeAuthorizationCode({ ...code, authorizationCode: randomToken() }), false);
      });
    });

    describe('signing keys', () => {
      it('lists keys newest first and retires the older ones without deleting them', async () => {
        const older = newKey(unique('kid'));
        const newer = newKey(unique('kid'));
        await store.saveSigningKey(older);
        await store.saveSigningKey(newer);
        const keys = await store.getSigningKeys();
        assert.deepEqual(keys[0], newer);
        const retired = keys.find((k) => k.kid === older.kid);
        assert.ok(retired && retired.retiredAt instanceof Date);
        assert.deepEqual({ ...retired, retiredAt: undefined }, { ...older, retiredAt: undefined });
        assert.ok(keys.slice(1).every((k) => k.retiredAt instanceof Date));
      });
    });

    describe('consent', () => {
      it('remembers the scopes a user granted a client, and replaces them', async () => {
        const userId = unique('user');
        const clientId = unique('client');
        assert.equal(await store.getConsent(userId, clientId), null);
        await store.saveConsent(userId, clientId, ['read']);
        assert.deepEqual(await store.getConsent(userId, clientId), ['read']);
        await store.saveConsent(userId, clientId, ['read', 'write']);
        assert.deepEqual(await store.getConsent(userId, clientId), ['read', 'write']);
        assert.equal(await store.getConsent(userId, unique('client')), null);
        assert.equal(await store.getConsent(unique('user'), clientId), null);
      });
    });

    describe('expiry', () => {
      it('sweepExpired removes expired tokens and codes and keeps live ones', async () => {
        const past = inMs(-HOUR);
        const expired = await newToken({ accessTokenExpiresAt: past, refreshTokenExpiresAt: past });
        const expiredCode = await newCode({ expiresAt: past });
        const live = await newToken();
        const liveCode = await newCode();
        const swept = await store.sweepExpired();
        // A store whose database expires rows by itself (Redis) may report 0.
        assert.ok(Number.isInteger(swept) && swept >= 0);
        assert.ok(expired.refreshToken && live.refreshToken);
        assert.ok(!(await store.getAccessToken(expired.accessToken)));
        assert.ok(!(await store.getRefreshToken(expired.refreshToken)));
        assert.ok(!(await store.getAuthorizationCode(expiredCode.authorizationCode)));
        assert.ok(await store.getAccessToken(live.accessToken));
        assert.ok(await store.getRefreshToken(live.refreshToken));
        assert.ok(await store.getAuthorizationCode(liveCode.authorizationCode));
      });
    });

    describe('hashed storage', () => {
      it('a stored hash is not itself a usable token, code or secret', async () => {
        const token = await newToken();
        const code = await newCode();
        const { client, secret } = await newClient();
        assert.ok(token.refreshToken);
        assert.ok(!(await store.getAccessToken(hashToken(token.accessToken))));
        assert.ok(!(await store.getRefreshToken(hashToken(token.refreshToken))));
        assert.ok(!(await store.getAuthorizationCode(hashToken(code.authorizationCode))));
        assert.equal(await store.getClient(client.client_id, hashSecret(secret)), null);
      });

      const { rawContents } = options;
      it('holds no token, code, secret or password in clear', { skip: rawContents ? false : 'no rawContents() given' }, async () => {
        assert.ok(rawContents);
        const token = await newToken();
        const code = await newCode();
        const { secret } = await newClient();
        const password = randomToken();
        await store.saveUser({ username: unique('dave'), password });
        const recordKey = randomToken();
        await store.putRecord('contract', recordKey, { kept: true }, { expiresAt: inMs(60_000) });
        const contents = await rawContents();
        assert.ok(token.refreshToken);
        for (const value of [token.accessToken, token.refreshToken, code.authorizationCode, secret, password, recordKey]) {
          assert.ok(!contents.includes(value), 'a secret value is stored in clear');
        }
        // The dump is real: it does hold the hash.
        assert.ok(contents.includes(hashToken(token.accessToken)));
      });
    });

    describe('bad input', () => {
      // A NUL byte in a client_id, username, token or code is not found, never an exception: on
      // PostgreSQL the byte is refused in text (SQLSTATE 22021), which would answer 500 instead of
      // invalid_client / invalid_grant / invalid_token (RFC 6749 §5.2, RFC 6750 §3.1).
      it('an id or value containing U+0000 is simply not found, on every look-up', async () => {
        const { client, secret } = await newClient();
        const username = unique('nul');
        const user = await store.saveUser({ username, password: 'tiger' });
        const token = await newToken();
        const code = await newCode();
        assert.ok(token.refreshToken);
        // Appended to a real id, the byte must not be cut off and the rest matched either.
        for (const clientId of [`${client.client_id}\u0000`, '\u0000', `a\u0000${client.client_id}`]) {
          assert.equal(await store.getClient(clientId, null), null);
          assert.equal(await store.getClient(clientId, secret), null);
        }
        assert.equal(await store.getUser(`${username}\u0000`, 'tiger', client), null);
        assert.equal(await store.getUser('\u0000', 'tiger', client), null);
        assert.equal(await store.getUserById(`${String(user.id)}\u0000`), null);
        assert.equal(await store.getConsent(`${String(user.id)}\u0000`, client.client_id), null);
        assert.equal(await store.getConsent(String(user.id), `${client.client_id}\u0000`), null);
        assert.ok(!(await store.getAccessToken(`${token.accessToken}\u0000`)));
        assert.ok(!(await store.getRefreshToken(`${token.refreshToken}\u0000`)));
        assert.ok(!(await store.getAuthorizationCode(`${code.authorizationCode}\u0000`)));
        assert.equal(await store.revokeToken({ ...token, refreshToken: `${token.refreshToken}\u0000`, refreshTokenExpiresAt: inMs(HOUR) }), false);
        assert.equal(await store.revokeAuthorizationCode({ ...code, authorizationCode: `${code.authorizationCode}\u0000` }), false);
        // And the real ones are still there, untouched.
        assert.deepEqual(await store.getClient(client.client_id, secret), client);
        assert.deepEqual(await store.getUser(username, 'tiger', client), user);
      });
    });

    describe('passwords', () => {
      it('a password with a trailing U+0000 does not match (scrypt\'s HMAC pads keys with zero bytes, RFC 2104 §2)', async () => {
        const username = unique('padded');
        const user = await store.saveUser({ username, password: 'tiger' });
        const client = (await newClient()).client;
        assert.equal(await store.getUser(username, 'tiger\u0000', client), null);
        assert.equal(await store.getUser(username, 'tiger\u0000\u0000', client), null);
        assert.deepEqual(await store.getUser(username, 'tiger', client), user);
      });
    });

    describe('health', () => {
      it('ping resolves on a store that can serve and write, again and again (for /health and /ready)', async () => {
        // Several in one turn too: on a store that batches writes they share one commit.
        await Promise.all([store.ping(), store.ping(), store.ping()]);
        await store.ping();
        // The store still serves normally afterwards.
        const { client } = await newClient();
        assert.deepEqual(await store.getClient(client.client_id, null), client);
      });
    });

    storeAdminContract(() => store);

    describe('races', () => {
      it(`${RACERS} parallel saves of one new username make one user with one id (processes starting at once)`, async () => {
        const username = unique('racer');
        const users = await Promise.all(Array.from({ length: RACERS }, () => store.saveUser({ username, password: 'pw' })));
        assert.equal(new Set(users.map((user) => user.id)).size, 1);
        assert.equal((await store.getUserById(String(users[0]?.id)))?.username, username);
      });

      it(`of ${RACERS} parallel redemptions of one code exactly one wins (RFC 6749 §4.1.2)`, async () => {
        const code = await newCode();
        const results = await Promise.all(Array.from({ length: RACERS }, () => store.revokeAuthorizationCode(code)));
        assert.equal(results.filter((won) => won === true).length, 1);
      });

      it(`of ${RACERS} parallel rotations of one refresh token exactly one wins (RFC 9700 §4.14.2)`, async () => {
        const token = await newToken();
        assert.ok(token.refreshToken);
        const refresh = await store.getRefreshToken(token.refreshToken);
        assert.ok(refresh);
        const results = await Promise.all(Array.from({ length: RACERS }, () => store.revokeToken(refresh)));
        assert.equal(results.filter((won) => won === true).length, 1);
      });

      it(`of ${RACERS} parallel polls of an approved device code exactly one gets tokens (RFC 8628 §3.5)`, async () => {
        const { client, secret } = await newClient({ grant_types: [DEVICE_CODE] });
        const user = await store.saveUser({ username: unique('device-user'), password: 'pw' });
        const polls = await approvedDevicePolls(store, { clientId: client.client_id, secret, user }, RACERS);
        assert.equal(polls.filter((status) => status === 200).length, 1);
        assert.equal(polls.filter((status) => status === 400).length, RACERS - 1);
      });
    });
  });
}
