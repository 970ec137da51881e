import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { Redis } from 'ioredis';
import { storeContract } from '../../src/testing/index.js';
import { createRedisStore } from '../../src/stores/redis.js';
import type { Store } from '../../src/stores/redis.js';
import { hashToken, randomToken } from '../../src/secrets.js';
import { recordHash } from '../../src/stores/records.js';
import { REDIS_URL, serviceAvailable } from '../helpers/services.js';
import { clientRecordsTests } from '../helpers/client-records.js';
import { TemporarilyUnavailableError } from '../../src/errors.js';

/** A local port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A 503 temporarily_unavailable with Retry-After, the driver's error kept as its cause (RFC 6749 §4.1.2.1). */
function isUnavailable(err: unknown): boolean {
  return err instanceof TemporarilyUnavailableError && err.status === 503 && Number(err.headers['Retry-After']) > 0 && err.cause !== undefined;
}

// Needs no Redis at all: nothing listens on the port.
describe('redis store, when Redis is down', () => {
  it('answers 503 with Retry-After at a closed port, the connection error as the cause, and prints nothing before it ever connected', async (t) => {
    const printed = t.mock.method(console, 'error', () => {});
    const store = await createRedisStore({ url: `redis://127.0.0.1:${await closedPort()}`, prefix: 'unreachable:' });
    try {
      await assert.rejects(async () => store.getClient(randomUUID(), null), isUnavailable);
      await assert.rejects(store.saveConsent('u', 'c', ['read']), isUnavailable);
      // The start's one line ("cannot be reached: connect ECONNREFUSED …") is built from this cause.
      await assert.rejects(store.ping(), (err: unknown) => isUnavailable(err) && /ECONNREFUSED/.test(String((err as Error).cause)));
      // Neither ioredis's unhandled error stacks nor a second line of the store's own.
      assert.deepEqual(printed.mock.calls.map((call) => call.arguments.map(String).join(' ')), []);
    } finally {
      await store.close();
    }
  });
});

describe('redis store options', () => {
  it('refuses a socketTimeoutMs that is not a positive number (0 would cut every connection at its first command)', async () => {
    for (const socketTimeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await assert.rejects(createRedisStore({ url: 'redis://127.0.0.1:1', socketTimeoutMs }), /socketTimeoutMs must be a positive number/);
    }
  });
});

if (await serviceAvailable('Redis', REDIS_URL)) {
  // One prefix per run, so parallel runs never meet; its keys are deleted at the end.
  const prefix = `tollgate-test:${randomUUID()}:`;
  const admin = new Redis(REDIS_URL);

  async function keysOfRun(): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return keys;
  }

  after(async () => {
    const keys = await keysOfRun();
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  /** Every key of this run with its value, whatever its type. */
  async function dump(): Promise<string> {
    const contents: unknown[] = [];
    for (const k of await keysOfRun()) {
      const type = await admin.type(k);
      const value =
        type === 'string' ? await admin.get(k)
        : type === 'hash' ? await admin.hgetall(k)
        : type === 'set' ? await admin.smembers(k)
        : type === 'list' ? await admin.lrange(k, 0, -1)
        : type;
      contents.push([k, value]);
    }
    return JSON.stringify(contents);
  }

  storeContract('redis store', () => createRedisStore({ url: REDIS_URL, prefix }), { rawContents: dump });

  describe("redis store, tokens' and codes' clients", () => {
    let runs = 0;
    clientRecordsTests(async () => {
      const own = `${prefix}records:${++runs}:`;
      /** Every token and code key under the prefix, with its record. */
      const records = async (): Promise<Array<[string, { clientId?: string; client?: { client_id: string } }]>> => {
        const found: Array<[string, { clientId?: string; client?: { client_id: string } }]> = [];
        for (const kind of ['at', 'rt', 'code']) {
          let cursor = '0';
          do {
            const [next, keys] = await admin.scan(cursor, 'MATCH', `${own}${kind}:*`, 'COUNT', 1000);
            cursor = next;
            for (const k of keys) found.push([k, JSON.parse((await admin.hget(k, 'data')) ?? 'null')]);
          } while (cursor !== '0');
        }
        return found;
      };
      return {
        open: () => createRedisStore({ url: REDIS_URL, prefix: own }),
        async copiesOf() {
          return (await records()).flatMap(([, record]) => (record.client ? [record.client.client_id] : [])).sort();
        },
        async asBefore() {
          for (const [k, { clientId, ...record }] of await records()) {
            const client = record.client ?? JSON.parse((await admin.get(`${own}client:${clientId}`)) ?? 'null').client;
            await admin.hset(k, 'data', JSON.stringify({ ...record, client }));
          }
        },
      };
    });
  });

  /**
   * A TCP relay to Redis, so the store sees a real lost connection: `cut()` closes it and every socket
   * through it; `freeze()` stops carrying bytes on the sockets open now while keeping them open, as a
   * peer gone without a FIN (a partition, a NAT that forgot the flow) looks to the store.
   */
  async function relayToRedis(): Promise<{ port: number; cut(): Promise<void>; freeze(): void }> {
    const target = new URL(REDIS_URL);
    const sockets = new Set<Socket>();
    const relay = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => {});
        socket.on('close', () => sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    return {
      port: (relay.address() as AddressInfo).port,
      async cut() {
        const closed = new Promise((resolve) => relay.close(resolve));
        for (const socket of sockets) socket.destroy();
        await closed;
      },
      freeze() {
        for (const socket of sockets) {
          socket.unpipe();
          socket.pause();
        }
      },
    };
  }

  describe('redis store, losing its connection', () => {
    it('prints one line per outage once it had connected, not a stack per reconnect', async (t) => {
      const relay = await relayToRedis();
      const printed = t.mock.method(console, 'error', () => {});
      const store = await createRedisStore({ url: `redis://127.0.0.1:${relay.port}`, prefix });
      try {
        await store.ping();
        await relay.cut();
        await assert.rejects(store.ping(), isUnavailable);
        await assert.rejects(async () => store.getClient(randomUUID(), null), isUnavailable);
        const lines = printed.mock.calls.map((call) => call.arguments.map(String).join(' '));
        assert.deepEqual(lines.filter((line) => line.includes('[ioredis]')), []);
        assert.equal(lines.length, 1, lines.join('\n'));
        // The outage's first error depends on timing (the cut socket's EPIPE or ECONNRESET, or
        // the reconnect's ECONNREFUSED); the line names it and always the address.
        const reported = new RegExp(`^tollgate: the Redis store cannot reach Redis at 127\\.0\\.0\\.1:${relay.port} \\([^)]*\\b(EPIPE|ECONNRESET|ECONNREFUSED)\\b[^)]*\\); retrying`);
        assert.match(lines[0] ?? '', reported);
      } finally {
        await store.close();
      }
    });

    it('a connection that stops answering (half-open) is cut after socketTimeoutMs: its requests are sent again on a new connection or answer 503, instead of waiting for TCP to give up', async (t) => {
      const relay = await relayToRedis();
      const printed = t.mock.method(console, 'error', () => {});
      const store = await createRedisStore({ url: `redis://127.0.0.1:${relay.port}`, prefix, socketTimeoutMs: 200 });
      try {
        const client = await store.saveClient({ client_id: randomUUID(), redirect_uris: [], grant_types: ['client_credentials'] });
        relay.freeze();
        const started = Date.now();
        const waited = await Promise.race([
          (async () => store.getClient(randomUUID(), null))().then(
            () => 'answered',
            (err: unknown) => (isUnavailable(err) ? 'unavailable' : err),
          ),
          new Promise((resolve) => setTimeout(resolve, 5_000, 'still waiting after 5 s')),
        ]);
        // ioredis sends a command that had no reply again once connected anew, or fails it if the new
        // connection is not ready in time: either is an answer.
        assert.ok(waited === 'answered' || waited === 'unavailable', String(waited));
        assert.ok(Date.now() - started >= 200, 'it waited for the timeout first');
        assert.match(printed.mock.calls[0]?.arguments.map(String).join(' ') ?? '', /cannot reach Redis at .* \(Socket timeout/);
        // ioredis connects again through the relay, on sockets that carry bytes.
        const found = await store.getClient(client.client_id, null);
        assert.equal(found && found.client_id, client.client_id);
      } finally {
        // Cut first: a QUIT on a frozen connection would wait for its answer.
        await relay.cut();
        await store.close();
      }
    });
  });

  /**
   * A TCP relay to Redis that loses one answer: the first command carrying `marker` reaches Redis and
   * runs, and when Redis answers, the connection is cut instead, as a network failure at that moment
   * would. The relay keeps listening, so the store connects again through it.
   */
  async function answerLosingRelay(marker: string): Promise<{ port: number; lost: () => boolean; close(): Promise<void> }> {
    const target = new URL(REDIS_URL);
    const sockets = new Set<Socket>();
    let armed = true;
    let lost = false;
    const relay = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      let losing = false;
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => {});
        socket.on('close', () => sockets.delete(socket));
      }
      client.on('data', (chunk: Buffer) => {
        if (armed && chunk.includes(marker)) [armed, losing] = [false, true];
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (!losing) return void client.write(chunk);
        lost = true;
        client.destroy();
        upstream.destroy();
      });
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    return {
      port: (relay.address() as AddressInfo).port,
      lost: () => lost,
      async close() {
        const closed = new Promise((resolve) => relay.close(resolve));
        for (const socket of sockets) socket.destroy();
        await closed;
      },
    };
  }

  /** Runs `use` on a store whose first command carrying `marker` loses its answer (answerLosingRelay); closes both after. */
  async function withAnswerLost(marker: string, use: (store: Store, lost: () => boolean) => Promise<void>): Promise<void> {
    const relay = await answerLosingRelay(marker);
    const store = await createRedisStore({ url: `redis://127.0.0.1:${relay.port}`, prefix });
    try {
      await use(store, relay.lost);
    } finally {
      await store.close();
      await relay.close();
    }
  }

  describe('redis store, an answer lost to a broken connection', () => {
    // ioredis sends a command that had no answer again on its next connection, so a single-use
    // check that ran before the cut runs twice: the second run must not take the first for a replay.
    it('a refresh token or code consumed once is consumed, not reported reused, when the answer is lost and ioredis sends it again', async (t) => {
      t.mock.method(console, 'error', () => {});
      const direct = await createRedisStore({ url: REDIS_URL, prefix });
      const client = await direct.saveClient({ client_id: randomUUID(), redirect_uris: ['https://client.example/cb'], grant_types: ['authorization_code', 'refresh_token'] });
      const base = { scope: ['read'], client, user: { id: 'u' }, grantId: randomUUID() };
      const [refreshToken, warmRefresh, authorizationCode] = [randomToken(), randomToken(), randomToken()];
      const expiresAt = new Date(Date.now() + 60_000);
      const refreshTokenExpiresAt = expiresAt;
      await direct.saveToken({ ...base, accessToken: randomToken(), accessTokenExpiresAt: expiresAt, refreshToken, refreshTokenExpiresAt: expiresAt }, client, {});
      await direct.saveToken({ ...base, accessToken: randomToken(), accessTokenExpiresAt: expiresAt, refreshToken: warmRefresh, refreshTokenExpiresAt: expiresAt }, client, {});
      await direct.saveAuthorizationCode({ ...base, authorizationCode, expiresAt, redirectUri: 'https://client.example/cb' }, client, {});
      // Redis then knows the script: the command lost is the consumption itself, not a NOSCRIPT.
      assert.equal(await direct.revokeToken({ ...base, refreshToken: warmRefresh, refreshTokenExpiresAt }), true);
      await direct.close();

      for (const [marker, consume] of [
        [`rt:${hashToken(refreshToken)}`, (store: Store) => store.revokeToken({ ...base, refreshToken, refreshTokenExpiresAt })],
        [`code:${hashToken(authorizationCode)}`, (store: Store) => store.revokeAuthorizationCode({ ...base, authorizationCode, expiresAt, redirectUri: 'https://client.example/cb' })],
      ] as const) {
        await withAnswerLost(marker, async (store, lost) => {
          assert.equal(await consume(store), true, `${marker}: the consumption that ran is this caller's`);
          assert.ok(lost(), 'the answer was lost');
          // A real second use is still one.
          assert.equal(await consume(store), false, `${marker}: a second use is refused`);
        });
      }
    });

    it('a value used once (a JWT ID, RFC 7523 §3) is taken as first used, not replayed, when the answer is lost and ioredis sends it again', async (t) => {
      t.mock.method(console, 'error', () => {});
      const [jti, warm] = [randomToken(), randomToken()];
      await withAnswerLost(`once:${hashToken(jti)}`, async (store, lost) => {
        const expiresAt = new Date(Date.now() + 60_000);
        assert.equal(await store.useOnce(warm, expiresAt), true);
        assert.equal(await store.useOnce(jti, expiresAt), true);
        assert.ok(lost(), 'the answer was lost');
        assert.equal(await store.useOnce(jti, expiresAt), false, 'a second use is refused');
      });
    });

    it('a record created or replaced once (a pushed request, a device code) is reported done, not refused as a conflict, when the answer is lost and ioredis sends it again', async (t) => {
      t.mock.method(console, 'error', () => {});
      const [key, created, replaced] = [randomUUID(), randomToken(), randomToken()];
      const expiresAt = new Date(Date.now() + 60_000);
      const direct = await createRedisStore({ url: REDIS_URL, prefix });
      // Redis then knows both scripts.
      assert.equal(await direct.putRecord('warm', key, { v: 1 }, { expiresAt }), true);
      assert.equal(await direct.replaceRecord('warm', key, 1, { v: 2 }), true);
      await direct.close();

      await withAnswerLost(created, async (store, lost) => {
        assert.equal(await store.putRecord('lost', key, { created }, { expiresAt }), true, 'the record this call created is reported created');
        assert.ok(lost(), 'the answer was lost');
        assert.equal(await store.putRecord('lost', key, { created }, { expiresAt }), false, 'a second create is refused');
      });
      await withAnswerLost(replaced, async (store, lost) => {
        assert.equal(await store.replaceRecord('lost', key, 1, { replaced }), true, 'the change this call made is reported made');
        assert.ok(lost(), 'the answer was lost');
        assert.deepEqual((await store.getRecord('lost', key))?.value, { replaced });
        assert.equal(await store.replaceRecord('lost', key, 1, { replaced }), false, 'another change from the old version is refused');
      });
    });

    it('a record taken once (an approved device code redeemed) is this call\'s, not reported already taken, when the answer is lost and ioredis sends it again', async (t) => {
      t.mock.method(console, 'error', () => {});
      const [key, warmKey, value] = [randomUUID(), randomUUID(), randomToken()];
      const expiresAt = new Date(Date.now() + 60_000);
      const direct = await createRedisStore({ url: REDIS_URL, prefix });
      await direct.putRecord('taken', key, { value }, { expiresAt });
      // Redis then knows the script.
      await direct.putRecord('taken', warmKey, { value: 'warm' }, { expiresAt });
      assert.deepEqual((await direct.takeRecord('taken', warmKey))?.value, { value: 'warm' });
      await direct.close();

      await withAnswerLost(`record:${recordHash('taken', key)}`, async (store, lost) => {
        assert.deepEqual((await store.takeRecord('taken', key))?.value, { value }, 'the record this call took is its own');
        assert.ok(lost(), 'the answer was lost');
        assert.equal(await store.takeRecord('taken', key), null, 'a second take finds nothing');
        assert.equal(await store.getRecord('taken', key), null);
      });
    });
  });

  describe('redis store, expiry', () => {
    it('gives every token, code and grant key a TTL, the grant outliving its members', async () => {
      const store = await createRedisStore({ url: REDIS_URL, prefix });
      try {
        const client = await store.saveClient({ client_id: randomUUID(), redirect_uris: [], grant_types: ['password'] });
        const grantId = randomUUID();
        const [accessToken, refreshToken, authorizationCode] = [randomToken(), randomToken(), randomToken()];
        const accessTokenExpiresAt = new Date(Date.now() + 60_000);
        const refreshTokenExpiresAt = new Date(Date.now() + 600_000);
        const expiresAt = new Date(Date.now() + 30_000);
        const base = { scope: [], client, user: { id: 'u' }, grantId };
        await store.saveToken({ ...base, accessToken, accessTokenExpiresAt, refreshToken, refreshTokenExpiresAt }, client, {});
        await store.saveAuthorizationCode({ ...base, authorizationCode, expiresAt }, client, {});
        // PEXPIRETIME (Redis 7) gives the absolute expiry, so the checks are exact.
        const expiry = async (k: string) => admin.pexpiretime(`${prefix}${k}`);
        assert.equal(await expiry(`at:${hashToken(accessToken)}`), accessTokenExpiresAt.getTime());
        assert.equal(await expiry(`rt:${hashToken(refreshToken)}`), refreshTokenExpiresAt.getTime());
        assert.equal(await expiry(`code:${hashToken(authorizationCode)}`), expiresAt.getTime());
        assert.equal(await expiry(`grant:${grantId}`), refreshTokenExpiresAt.getTime());

        // A later, shorter-lived token of the same grant never shortens the grant's index.
        await store.saveToken({ ...base, accessToken: randomToken(), accessTokenExpiresAt: new Date(Date.now() + 1000) }, client, {});
        assert.equal(await expiry(`grant:${grantId}`), refreshTokenExpiresAt.getTime());
      } finally {
        await store.close();
      }
    });
  });

  describe('redis store, listings', () => {
    it('lists clients and users from sets of their ids, not a SCAN of every key, built once from records written before the sets', async () => {
      // A prefix of its own: the sets are built once per prefix, at its first listing.
      const own = `${prefix}listings:${randomUUID()}:`;
      const written = await createRedisStore({ url: REDIS_URL, prefix: own });
      const [client, user] = [randomUUID(), `user-${randomUUID()}`];
      try {
        await written.saveClient({ client_id: client, redirect_uris: [], grant_types: ['client_credentials'] });
        await written.saveUser({ username: user, password: 'pw' });
      } finally {
        await written.close();
      }
      // Records as a tollgate from before the sets wrote them: the records alone.
      await admin.del(`${own}index:clients`, `${own}index:users`, `${own}index:built`);

      const store = await createRedisStore({ url: REDIS_URL, prefix: own });
      try {
        const users = async () => (await store.listUsers()).map((u) => u.username);
        const clients = async () => (await store.listClients()).map((c) => c.client_id);
        assert.deepEqual(await clients(), [client]);
        assert.deepEqual(await users(), [user]);

        // Built once: a record written behind the store's back is not listed, so the listings read the sets.
        const copied = await admin.get(`${own}client:${client}`);
        await admin.set(`${own}client:unindexed`, copied!);
        assert.deepEqual(await clients(), [client]);

        // Saves and deletes keep the sets: a new client and user are listed, a deleted one no longer.
        const other = await store.saveClient({ client_id: `z-${randomUUID()}`, redirect_uris: [], grant_types: ['client_credentials'] });
        const id = (await store.listUsers())[0]?.id ?? assert.fail('the user is listed');
        await store.saveUser({ id, username: `renamed-${user}`, password: 'pw' });
        assert.deepEqual(await clients(), [client, other.client_id]);
        assert.deepEqual(await users(), [`renamed-${user}`]);
        assert.equal(await store.deleteClient(client), true);
        assert.equal(await store.deleteUser(id), true);
        assert.deepEqual(await clients(), [other.client_id]);
        assert.deepEqual(await users(), []);
        assert.deepEqual(await admin.smembers(`${own}index:users`), []);
      } finally {
        await store.close();
      }
    });
  });

  describe('redis store, admin operations over many tokens', () => {
    it("revokes and lists one holder's tokens among thousands, read a SCAN page at a time, and leaves the others'", async () => {
      // A prefix of its own, so the scan pages hold this test's keys.
      const store = await createRedisStore({ url: REDIS_URL, prefix: `${prefix}pages:${randomUUID()}:` });
      try {
        const [x, y] = await Promise.all(
          ['x', 'y'].map((id) => store.saveClient({ client_id: `${id}-${randomUUID()}`, redirect_uris: [], grant_types: ['client_credentials', 'refresh_token'] })),
        );
        const expiresAt = new Date(Date.now() + 60_000);
        const issue = async (client: typeof x, count: number) =>
          Promise.all(
            Array.from({ length: count }, async () => {
              const token = { accessToken: randomToken(), accessTokenExpiresAt: expiresAt, refreshToken: randomToken(), refreshTokenExpiresAt: expiresAt, scope: ['read'], client: client!, user: { id: 'u' }, grantId: randomUUID() };
              await store.saveToken(token, client!, {});
              return token;
            }),
          );
        // Three token keys and a grant key each: well over the 1000-key SCAN pages.
        const xs = await issue(x, 1500);
        const ys = await issue(y, 5);
        assert.equal((await store.listGrants({ clientId: x!.client_id })).length, 1500);
        await store.revokeTokensOf({ clientId: x!.client_id });
        assert.deepEqual(await store.listGrants({ clientId: x!.client_id }), []);
        for (const token of xs) {
          assert.equal(await store.getAccessToken(token.accessToken), null, 'every access token of the holder is revoked');
          const refresh = await store.getRefreshToken(token.refreshToken);
          assert.ok(refresh && refresh.consumedAt, 'every refresh token of the holder is consumed');
        }
        assert.equal((await store.listGrants({ clientId: y!.client_id })).length, 5);
        for (const token of ys) assert.ok(await store.getAccessToken(token.accessToken), "another client's tokens stay");
      } finally {
        await store.close();
      }
    });
  });

  describe('redis store, client reads batched per turn', () => {
    it('clients looked up in one turn each get their own, and a change at another process is seen by the next read', async () => {
      // Two stores on one prefix: two processes sharing one Redis.
      const [a, b] = await Promise.all([0, 1].map(() => createRedisStore({ url: REDIS_URL, prefix })));
      try {
        const [first, second] = [randomToken(), randomToken()];
        const one = await a!.saveClient({ client_id: randomUUID(), client_secret: first, redirect_uris: [], grant_types: ['client_credentials'] });
        const two = await a!.saveClient({ client_id: randomUUID(), client_secret: second, redirect_uris: [], grant_types: ['client_credentials'] });
        // One turn: one client asked for three times, another once, one that does not exist, a wrong secret.
        const found = await Promise.all([
          b!.getClient(one.client_id, first),
          b!.getClient(two.client_id, second),
          b!.getClient(one.client_id, first),
          b!.getClient(randomUUID(), first),
          b!.getClient(one.client_id, second),
          b!.getClient(one.client_id, first),
        ]);
        assert.deepEqual(found, [one, two, one, null, null, one]);

        // A new secret and a deletion at `a` are seen by `b`'s next look-ups: nothing is kept past a turn.
        const rotated = randomToken();
        await a!.saveClient({ client_id: one.client_id, client_secret: rotated, redirect_uris: [], grant_types: ['client_credentials'] });
        await a!.deleteClient(two.client_id);
        const after = await Promise.all([b!.getClient(one.client_id, first), b!.getClient(one.client_id, rotated), b!.getClient(two.client_id, second)]);
        assert.deepEqual(after, [null, one, null]);
      } finally {
        await Promise.all([a, b].map((store) => store!.close()));
      }
    });
  });
}
