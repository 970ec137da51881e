/**
 * The store contract's cases for what an operator manages (`AdminStore`: the `tollgate` admin
 * commands and the config as the source of truth): listing clients and users, deleting a user,
 * and revoking or listing everything one client or user holds.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { randomToken } from '../secrets.js';
import type { Store } from '../stores/store.js';
import { sourceOf } from '../stores/records.js';
import type { Client, Token } from '../types.js';
import type { SigningKey } from '../tokens/signing-keys.js';
import { publishedKeys } from '../tokens/signing-keys.js';

const HOUR = 3_600_000;
const unique = (label: string): string => `${label}-${randomUUID()}`;
const inMs = (ms: number): Date => new Date(Date.now() + ms);

/** Registers the admin cases; `store` gives the contract's open store. */
export function storeAdminContract(store: () => Store): void {
  describe('administration (clients, users, grants)', () => {
    async function newClient(overrides: Partial<Client> = {}): Promise<Client> {
      return store().saveClient({ client_id: unique('client'), client_secret: randomToken(), redirect_uris: [], grant_types: ['authorization_code', 'refresh_token'], ...overrides });
    }

    /** A token pair, a code and a consent of one client and user. */
    async function holdings(client: Client, userId: string) {
      const token: Token = {
        accessToken: randomToken(),
        accessTokenExpiresAt: inMs(HOUR),
        refreshToken: randomToken(),
        refreshTokenExpiresAt: inMs(24 * HOUR),
        scope: ['read'],
        refreshTokenScope: ['read', 'write'],
        client,
        user: { id: userId, username: userId },
        grantId: unique('grant'),
      };
      await store().saveToken(token, client, token.user);
      const code = { authorizationCode: randomToken(), expiresAt: inMs(60_000), scope: ['read'], client, user: token.user, grantId: unique('grant') };
      await store().saveAuthorizationCode(code, client, token.user);
      await store().saveConsent(userId, client.client_id, ['read']);
      return { token, code };
    }

    /** Whether nothing of the holdings works any more: access gone, refresh and code consumed, consent dropped. */
    async function assertRevoked({ token, code }: Awaited<ReturnType<typeof holdings>>, userId: string): Promise<void> {
      assert.equal(await store().getAccessToken(token.accessToken), null, 'the access token is deleted');
      assert.ok(((await store().getRefreshToken(token.refreshToken!)) || undefined)?.consumedAt, 'the refresh token is kept, marked consumed (reuse stays recognisable)');
      assert.equal(await store().revokeAuthorizationCode(code), false, 'the code is consumed');
      assert.equal(await store().getConsent(userId, token.client.client_id), null, 'the consent is dropped');
    }

    async function assertIntact({ token, code }: Awaited<ReturnType<typeof holdings>>, userId: string): Promise<void> {
      assert.ok(await store().getAccessToken(token.accessToken));
      assert.equal(((await store().getRefreshToken(token.refreshToken!)) || undefined)?.consumedAt, undefined);
      assert.deepEqual(await store().getConsent(userId, token.client.client_id), ['read']);
      assert.equal(((await store().getAuthorizationCode(code.authorizationCode)) || undefined)?.consumedAt, undefined);
    }

    it('lists clients with where each came from; an old dynamically registered one is recognised by its registration token hash', async () => {
      const cli = await newClient({ source: 'cli' });
      const configured = await newClient({ source: 'config' });
      const registered = await newClient({ registration_access_token_hash: 'h', client_id_issued_at: 1 });
      const listed = await store().listClients();
      const find = (id: string) => listed.find((client) => client.client_id === id);
      assert.deepEqual(find(cli.client_id), cli);
      assert.equal(sourceOf(find(cli.client_id)!), 'cli');
      assert.equal(sourceOf(find(configured.client_id)!), 'config');
      assert.equal(sourceOf(find(registered.client_id)!), 'registration');
    });

    it('lists users with their source and never a password hash', async () => {
      const configured = await store().saveUser({ username: unique('alice'), password: 'pw' });
      const cli = await store().saveUser({ username: unique('bob'), password: 'pw', source: 'cli' });
      const listed = await store().listUsers();
      assert.deepEqual(listed.find((user) => user.id === configured.id), { id: configured.id, username: configured.username, source: 'config' });
      assert.deepEqual(listed.find((user) => user.id === cli.id), { id: cli.id, username: cli.username, source: 'cli' });
      assert.doesNotMatch(JSON.stringify(listed), /scrypt|\$/);
    });

    it('deletes a user once: it no longer signs in nor is found by id, and others stay', async () => {
      const gone = await store().saveUser({ username: unique('gone'), password: 'pw' });
      const kept = await store().saveUser({ username: unique('kept'), password: 'pw' });
      const client = await newClient();
      assert.equal(await store().deleteUser(String(gone.id)), true);
      assert.equal(await store().deleteUser(String(gone.id)), false);
      assert.equal(await store().getUserById(String(gone.id)), null);
      assert.equal(await store().getUser(String(gone.username), 'pw', client), null);
      assert.equal((await store().listUsers()).some((user) => user.id === gone.id), false);
      assert.deepEqual(await store().getUser(String(kept.username), 'pw', client), kept);
    });

    it("revokes everything one client holds, and nothing of another client's", async () => {
      const [client, other] = [await newClient(), await newClient()];
      const userId = unique('user');
      const [revoked, kept] = [await holdings(client, userId), await holdings(other, userId)];
      await store().revokeTokensOf({ clientId: client.client_id });
      await assertRevoked(revoked, userId);
      await assertIntact(kept, userId);
    });

    it("deleting a client revokes everything it holds (RFC 7592 §2.3), and nothing of another client's", async () => {
      const [client, other] = [await newClient(), await newClient()];
      const userId = unique('user');
      const [revoked, kept] = [await holdings(client, userId), await holdings(other, userId)];
      assert.equal(await store().deleteClient(client.client_id), true);
      const { token, code } = revoked;
      assert.equal(await store().getAccessToken(token.accessToken), null, 'the access token is gone');
      const refresh = await store().getRefreshToken(token.refreshToken!);
      assert.ok(!refresh || refresh.consumedAt, 'the refresh token is gone or marked consumed');
      assert.equal(await store().revokeAuthorizationCode(code), false, 'the code can no longer be redeemed');
      assert.equal(await store().getConsent(userId, client.client_id), null, 'the consent is dropped');
      await assertIntact(kept, userId);
      assert.equal(await store().deleteClient(client.client_id), false);
    });

    it("revokes everything one user holds at every client, and nothing of another user's", async () => {
      const [client, other] = [await newClient(), await newClient()];
      const [userId, otherUser] = [unique('user'), unique('user')];
      const revoked = [await holdings(client, userId), await holdings(other, userId)];
      const kept = await holdings(client, otherUser);
      await store().revokeTokensOf({ userId });
      for (const holding of revoked) await assertRevoked(holding, userId);
      await assertIntact(kept, otherUser);
    });

    it('lists the live grants of a client or a user with their scope and expiry, never a token value; a revoked grant leaves the list', async () => {
      const client = await newClient();
      const userId = unique('user');
      const { token } = await holdings(client, userId);
      const second = await holdings(client, unique('user'));
      const byClient = await store().listGrants({ clientId: client.client_id });
      assert.deepEqual(byClient.map((grant) => grant.grantId).sort(), [token.grantId, second.token.grantId].sort());
      const [grant] = await store().listGrants({ userId });
      assert.deepEqual(grant, { grantId: token.grantId, clientId: client.client_id, userId, scope: ['read', 'write'], expiresAt: token.refreshTokenExpiresAt });
      assert.ok(!JSON.stringify(byClient).includes(token.accessToken) && !JSON.stringify(byClient).includes(token.refreshToken!));
      const current = store();
      assert.ok(current.revokeGrant);
      await current.revokeGrant(token.grantId);
      assert.deepEqual(await store().listGrants({ userId }), []);
      assert.deepEqual(await store().listGrants({ clientId: unique('nobody') }), []);
    });
  });

  describe('administration (signing keys)', () => {
    const newKey = (kid: string): SigningKey => ({
      kid,
      alg: 'ES256',
      privateJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' },
      publicJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
      createdAt: new Date(),
    });

    it('withdraws a signing key once, by kid, keeping it in place and leaving the others alone (tollgate keys retire)', async () => {
      const [older, newer] = [newKey(unique('kid')), newKey(unique('kid'))];
      await store().saveSigningKey(older);
      await store().saveSigningKey(newer);
      assert.equal(await store().withdrawSigningKey(older.kid), true);
      assert.equal(await store().withdrawSigningKey(older.kid), false, 'already withdrawn');
      assert.equal(await store().withdrawSigningKey(unique('kid')), false, 'no such key');
      const keys = await store().getSigningKeys();
      // Still listed, in its place: the keys around it keep their publication timing.
      assert.deepEqual(keys.slice(0, 2).map((k) => k.kid), [newer.kid, older.kid]);
      assert.ok(keys[1]?.withdrawnAt instanceof Date);
      assert.equal(keys[0]?.withdrawnAt, undefined);
      // A withdrawn key is never published, whatever its age (RFC 7517 §5: the JWKS is what verifies).
      assert.deepEqual(publishedKeys(keys.slice(0, 2), 3600).map((k) => k.kid), [newer.kid]);
    });
  });
}
