/**
 * Values kept while Redis tracks their keys unchanged (src/stores/redis-tracked-cache.ts), on a real
 * Redis with a second connection standing for another process: kept values must actually be answered
 * from memory (else the rest proves nothing), and every way a kept value can go stale (a write or a
 * deletion elsewhere, a read that crossed a change, a lost subscription, this process's own writes
 * through two stores) must show.
 */
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { createTrackedCache } from '../../src/stores/redis-tracked-cache.js';
import type { TrackedCache } from '../../src/stores/redis-tracked-cache.js';
import { createRedisStore } from '../../src/stores/redis.js';
import type { Store } from '../../src/stores/store.js';
import type { AccessToken } from '../../src/types.js';
import { hashToken, randomToken } from '../../src/secrets.js';
import { REDIS_URL, serviceAvailable } from '../helpers/services.js';

async function until(condition: () => Promise<boolean>, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

if (await serviceAvailable('Redis', REDIS_URL)) {
  const prefix = `tollgate-test:tracked:${randomUUID()}:`;
  /** Another process's connection: its writes reach the cache only through Redis's invalidations. */
  const other = new Redis(REDIS_URL);
  after(async () => {
    const keys = await other.keys(`${prefix}*`);
    if (keys.length > 0) await other.del(...keys);
    await other.quit();
  });

  describe('redis tracked cache', () => {
    /** The connection name marks this test's two connections, so the subscriber can be found and cut. */
    let name: string;
    let reading: Redis;
    let subscriber: Redis;
    let cache: TrackedCache<string | null>;
    let loads: number;
    /** Loads whose read Redis has answered. */
    let answered = 0;
    /** While set, a load waits for it after reading: a read that has its answer but has not returned it. */
    let hold: Promise<void> | undefined;

    const lookup = (key: string): Promise<string | null> => cache.lookup(key);

    /** Loads the value, or holds it after reading while `hold` is set (a read under way). */
    async function load(key: string): Promise<string | null> {
      const held = hold;
      loads += 1;
      const value = await reading.get(`${prefix}${key}`);
      answered += 1;
      if (held !== undefined) await held;
      return value;
    }

    /** Waits until values are answered from memory: tracking is on (it starts once both connections are up). */
    async function tracked(key: string, ms?: number): Promise<void> {
      await until(
        async () => {
          await lookup(key);
          const before = loads;
          await lookup(key);
          return loads === before;
        },
        `${key} is answered from memory`,
        ms,
      );
    }

    /** One of this test's two connections as Redis's `CLIENT LIST` shows it: the subscriber, or the reading one. */
    async function connectionLine(subscribed: boolean): Promise<string | undefined> {
      return String(await other.client('LIST')).split('\n').find((line) => line.includes(` name=${name} `) && line.includes(` sub=${subscribed ? 1 : 0} `));
    }

    /** The subscriber's connection id (CLIENT LIST, CLIENT KILL ID). */
    async function subscriberId(): Promise<string> {
      const line = await connectionLine(true);
      assert.ok(line, 'the cache subscribes on a connection of its own');
      return /\bid=(\d+)/.exec(line)![1]!;
    }

    beforeEach(async () => {
      name = `tracked-${randomUUID()}`;
      // Reconnections a second after a loss (the subscriber inherits it): what is answered meanwhile
      // shows whether the loss itself stopped the answers from memory.
      reading = new Redis(REDIS_URL, { connectionName: name, enableAutoPipelining: true, retryStrategy: () => 1000 });
      // The cache's subscriber, kept to hold up what Redis sends it (its reconnections reuse it).
      const duplicate = reading.duplicate.bind(reading);
      Object.assign(reading, { duplicate: (options?: RedisOptions) => (subscriber = duplicate(options)) });
      // A PING never times out here: these tests hold the subscriber up on purpose, for as long as they need.
      cache = createTrackedCache(reading, prefix, load, { capacity: 3, syncTimeoutMs: 60_000 });
      hold = undefined;
      loads = 0;
      await other.mset(`${prefix}a`, 'A', `${prefix}b`, 'B');
    });
    afterEach(async () => {
      // A test that failed while holding up Redis's messages would leave the subscriber's QUIT unanswered.
      subscriber.stream.resume();
      await cache.close();
      await reading.quit();
    });

    it('answers a tracked value from memory, and a missing key too', async () => {
      await tracked('a');
      assert.equal(await lookup('a'), 'A');
      await tracked('missing');
      assert.equal(await lookup('missing'), null);
    });

    it('a write or a deletion by another connection shows at a later look-up', async () => {
      await tracked('a');
      await other.set(`${prefix}a`, 'A2');
      await until(async () => (await lookup('a')) === 'A2', 'the write shows');
      await tracked('a');
      await other.del(`${prefix}a`);
      await until(async () => (await lookup('a')) === null, 'the deletion shows');
      await tracked('missing');
      await other.set(`${prefix}missing`, 'now');
      await until(async () => (await lookup('missing')) === 'now', 'a key created elsewhere shows');
    });

    it('a value read while a change was on its way is answered but not kept', async () => {
      await tracked('b');
      // A look-up of a whose read has answered the old value but not yet returned it.
      let release!: () => void;
      hold = new Promise<void>((resolve) => (release = resolve));
      const before = answered;
      const held = lookup('a');
      await until(async () => answered === before + 1, 'the read has its answer');
      hold = undefined;
      // a and b change in one transaction: one invalidation names both, so b's reload shows it has arrived.
      await other.multi().set(`${prefix}a`, 'A2').set(`${prefix}b`, 'B2').exec();
      await until(async () => (await lookup('b')) === 'B2', 'the invalidation has arrived');
      release();
      assert.equal(await held, 'A');
      const after = loads;
      assert.equal(await lookup('a'), 'A2', 'the crossed read was not kept');
      assert.equal(loads, after + 1);
    });

    it('a lost subscription keeps nothing: a write made while it was down still shows', async () => {
      await tracked('a');
      const id = await subscriberId();
      // Cut, and written at once: the invalidation of this write has nowhere to go.
      await other.client('KILL', 'ID', id);
      await other.set(`${prefix}a`, 'A3');
      await until(async () => (await lookup('a')) === 'A3', 'the write made while the subscription was down shows, before it reconnects', 800);
      // And tracking comes back on, over a new subscription.
      await tracked('a');
      await other.set(`${prefix}a`, 'A4');
      await until(async () => (await lookup('a')) === 'A4', 'a write after the reconnection shows');
    });

    it("a look-up started by a request read in the same poll phase as Redis's message, before it, waits for the message: the change shows", async () => {
      await tracked('a');
      // A request standing for a check that follows the writer's answer, read first in the poll phase
      // that also reads Redis's message: its socket becomes readable first, the message's next.
      const server = createServer();
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
      // Connected and accepted before anything is sent.
      const [[accepted]] = (await Promise.all([once(server, 'connection'), once(client, 'connect')])) as [[Socket], unknown];
      const served = new Promise<string | null>((resolve) => accepted.once('data', () => resolve(lookup('a'))));
      try {
        // Until the new socket is watched for reading like the others: one watched later is read after them,
        // whatever arrived first (a few ms here; without this wait the order came out the other way).
        await new Promise((resolve) => setTimeout(resolve, 50));
        client.write('check');
        const deleted = other.del(`${prefix}a`);
        // Held until both have arrived, so one poll phase reads them, in that order.
        const busyUntil = Date.now() + 100;
        while (Date.now() < busyUntil);
        await deleted;
        assert.equal(await served, null, 'the kept value was not answered before the message was applied');
      } finally {
        client.destroy();
        server.close();
      }
    });

    it("a look-up started by a request that follows a change waits for Redis's message while it is held up on the way: the change shows", async () => {
      await tracked('a');
      // Redis's messages wait unread, as in the kernel's queues of a saturated machine.
      subscriber.stream.pause();
      await other.del(`${prefix}a`);
      // A check that follows from the writer's answer.
      let settled = false;
      const served = lookup('a').finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(settled, false, 'nothing is answered from memory while the message is held up');
      subscriber.stream.resume();
      assert.equal(await served, null);
    });

    it("one PING serves every look-up begun in a poll phase; a look-up begun after it left waits for the next, which follows Redis's message", async () => {
      await other.mset(`${prefix}c`, 'C');
      for (const key of ['a', 'b', 'c']) await tracked(key);
      let pings = 0;
      const ping = subscriber.ping.bind(subscriber) as () => Promise<'PONG'>;
      Object.assign(subscriber, { ping: () => (pings++, ping()) });
      assert.deepEqual(await Promise.all([lookup('a'), lookup('b'), lookup('c')]), ['A', 'B', 'C']);
      assert.equal(pings, 1, 'three look-ups of one poll phase, one PING');

      subscriber.stream.pause();
      const first = lookup('a');
      // Redis has run the first look-up's PING (its answer held up with the messages) before the change.
      await until(async () => /\bcmd=ping\b/.test((await connectionLine(true)) ?? ''), "Redis has run the first look-up's PING");
      await other.del(`${prefix}a`);
      const second = lookup('a');
      await until(async () => pings === 3, 'the look-up begun after the first PING left sends one of its own');
      subscriber.stream.resume();
      assert.ok(['A', null].includes(await first), 'begun before the change: the old value or none');
      assert.equal(await second, null, 'begun after the change: it waited for a PING Redis ran after it');
    });

    it("a look-up given a sync begun earlier in its request waits for that one, sending no PING of its own: a change made before the sync began shows while its message is held up", async () => {
      await tracked('a');
      let pings = 0;
      const ping = subscriber.ping.bind(subscriber) as () => Promise<'PONG'>;
      Object.assign(subscriber, { ping: () => (pings++, ping()) });
      subscriber.stream.pause();
      await other.del(`${prefix}a`);
      // A request that follows the change begins its wait, then reads something else first (a bearer check: the token, then its client).
      const since = cache.sync();
      await other.get(`${prefix}b`);
      let settled = false;
      const served = cache.lookup('a', since).finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(settled, false, 'nothing is answered from memory while the message is held up');
      subscriber.stream.resume();
      assert.equal(await served, null);
      assert.equal(pings, 1, "the look-up waited for its request's PING");
    });

    it("a PING left unanswered (a half-open subscriber) answers its look-up from Redis once it times out, keeps nothing meanwhile, and the subscriber is connected again", { timeout: 30_000 }, async () => {
      await cache.close();
      cache = createTrackedCache(reading, prefix, load, { capacity: 3, syncTimeoutMs: 200 });
      await tracked('a');
      const id = await subscriberId();
      let pings = 0;
      const ping = subscriber.ping.bind(subscriber) as () => Promise<'PONG'>;
      Object.assign(subscriber, { ping: () => (pings++, ping()) });
      // The subscriber reads nothing more: no answer to its PING, no message, as from a peer gone without a FIN.
      subscriber.stream.pause();
      await other.set(`${prefix}a`, 'A2');
      const started = Date.now();
      const before = loads;
      assert.equal(await lookup('a'), 'A2', 'answered from Redis once the PING timed out');
      assert.ok(Date.now() - started >= 200, 'it waited for the PING first');
      assert.deepEqual({ pings, loads: loads - before }, { pings: 1, loads: 1 });
      assert.equal(await lookup('a'), 'A2');
      assert.deepEqual({ pings, loads: loads - before }, { pings: 1, loads: 2 }, 'nothing is kept, nor waited for, while the subscriber is cut');
      await until(async () => !new RegExp(`^id=${id} `, 'm').test(String(await other.client('LIST'))), 'the unanswering subscriber is cut', 10_000);
      // Connected again (ioredis ends the socket, destroys it when no FIN comes back, and reconnects),
      // and tracking pointed at it: values are kept once more, and hear of changes.
      await tracked('a', 10_000);
      await other.del(`${prefix}a`);
      await until(async () => (await lookup('a')) === null, 'a deletion reaches the new subscriber');
    });

    it("a PING answered while this process's event loop was held up past the timeout counts: the value is answered from memory and the subscriber kept", async () => {
      await cache.close();
      cache = createTrackedCache(reading, prefix, load, { capacity: 3, syncTimeoutMs: 100 });
      await tracked('a');
      const id = await subscriberId();
      const ping = subscriber.ping.bind(subscriber) as () => Promise<'PONG'>;
      Object.assign(subscriber, {
        ping: () => {
          const sent = ping();
          // A synchronous task holds the loop past the timeout while Redis answers.
          const deadline = Date.now() + 300;
          while (Date.now() < deadline);
          return sent;
        },
      });
      const before = loads;
      assert.equal(await lookup('a'), 'A');
      assert.equal(loads, before, 'answered from memory');
      assert.equal(await subscriberId(), id, 'the subscriber was not cut');
    });

    it('a switch of tracking answered after its connection was lost turns nothing on: a value read before the next switch is not kept', async () => {
      await tracked('a');
      // Each `CLIENT TRACKING ON` waits at its gate: the first after Redis has run it (its answer late),
      // the second before it is sent (the new connection not yet tracked).
      const gate = () => {
        let resolve!: () => void;
        return { promise: new Promise<void>((done) => (resolve = done)), resolve };
      };
      const gates = [gate(), gate()];
      const reached: number[] = [];
      const call = reading.call.bind(reading) as (...args: string[]) => Promise<unknown>;
      Object.assign(reading, {
        async call(...args: string[]) {
          if (args.join(' ').startsWith('CLIENT TRACKING ON') && reached.length < gates.length) {
            const n = reached.push(reached.length) - 1;
            if (n === 1) await gates[1]!.promise;
            const answer = await call(...args);
            if (n === 0) await gates[0]!.promise;
            return answer;
          }
          return call(...args);
        },
      });
      const cut = async (): Promise<void> => {
        const line = await connectionLine(false);
        await other.client('KILL', 'ID', /\bid=(\d+)/.exec(line!)![1]!);
      };
      await cut();
      await until(async () => reached.length === 1, 'the first switch after the reconnection has run', 5000);
      // Lost while that switch's answer is on its way: the switch that counts is the next one.
      await cut();
      await until(async () => reached.length === 2, 'the next switch is about to be sent', 5000);
      gates[0]!.resolve();
      await new Promise((resolve) => setImmediate(resolve));
      // Read on the new connection, which Redis does not track yet: changed after, no message follows.
      assert.equal(await lookup('a'), 'A');
      await other.set(`${prefix}a`, 'A2');
      gates[1]!.resolve();
      await tracked('b');
      assert.equal(await lookup('a'), 'A2', 'the value read while tracking was off was not kept');
    });

    it('keeps at most its capacity, the oldest dropped first', async () => {
      await other.mset(`${prefix}c`, 'C', `${prefix}d`, 'D');
      for (const key of ['a', 'b', 'c']) await tracked(key);
      await lookup('d');
      const before = loads;
      await lookup('a');
      assert.equal(loads, before + 1, 'a, the oldest, was dropped when d came in');
      await lookup('c');
      assert.equal(loads, before + 1, 'c is still kept');
    });
  });

  describe('redis store, clients answered from memory', () => {
    const storePrefix = `tollgate-test:tracked-store:${randomUUID()}:`;
    after(async () => {
      const keys = await other.keys(`${storePrefix}*`);
      if (keys.length > 0) await other.del(...keys);
    });
    const registration = (secret: string) => ({ client_id: 'app', client_secret: secret, redirect_uris: [], grant_types: ['client_credentials'] });

    it("a client's new secret and its deletion, by this store at once and by another store sharing the Redis", async () => {
      const here = await createRedisStore({ url: REDIS_URL, prefix: storePrefix });
      const elsewhere = await createRedisStore({ url: REDIS_URL, prefix: storePrefix });
      try {
        await here.saveClient(registration('one'));
        await until(async () => (await here.getClient('app', 'one')) !== null, 'the client is found');
        // Its own writes: no waiting for Redis's message.
        await here.saveClient(registration('two'));
        assert.equal(await here.getClient('app', 'one'), null, 'the old secret is refused at once');
        assert.ok(await here.getClient('app', 'two'));
        await elsewhere.saveClient(registration('three'));
        await until(async () => (await here.getClient('app', 'two')) === null && (await here.getClient('app', 'three')) !== null, "the other store's new secret shows");
        await elsewhere.deleteClient('app');
        await until(async () => (await here.getClient('app', 'three')) === null, "the other store's deletion shows");
        await here.saveClient(registration('four'));
        await here.deleteClient('app');
        assert.equal(await here.getClient('app', 'four'), null, 'its own deletion shows at once');
      } finally {
        await here.close();
        await elsewhere.close();
      }
    });
  });

  describe('redis store, access tokens answered from memory', () => {
    const storePrefix = `tollgate-test:tracked-tokens:${randomUUID()}:`;
    let here: Store;
    let elsewhere: Store;
    /** Redis's MONITOR: every command any connection runs, in the order Redis runs them. */
    let monitor: Redis;
    const seen: string[][] = [];
    before(async () => {
      monitor = await other.monitor();
      monitor.on('monitor', (_time: string, args: string[]) => void seen.push(args));
    });
    after(() => monitor.disconnect());
    beforeEach(async () => {
      here = await createRedisStore({ url: REDIS_URL, prefix: storePrefix });
      elsewhere = await createRedisStore({ url: REDIS_URL, prefix: storePrefix });
    });
    afterEach(async () => {
      await here.close();
      await elsewhere.close();
      const keys = await other.keys(`${storePrefix}*`);
      if (keys.length > 0) await other.del(...keys);
    });

    /** The HGETs Redis ran on this token's key while `action` ran: a marker run after it shows MONITOR has caught up. */
    async function readsOf(token: string, action: () => Promise<unknown>): Promise<number> {
      const key = `${storePrefix}at:${hashToken(token)}`;
      const from = seen.length;
      await action();
      const marker = randomUUID();
      await other.echo(marker);
      await until(async () => seen.some((args) => args[1] === marker), 'MONITOR has caught up', 3000);
      return seen.slice(from).filter((args) => args[0]?.toLowerCase() === 'hget' && args[1] === key).length;
    }

    async function saved(): Promise<string> {
      const client = await here.saveClient({ client_id: randomUUID(), redirect_uris: [], grant_types: ['client_credentials'] });
      const accessToken = randomToken();
      await here.saveToken({ accessToken, accessTokenExpiresAt: new Date(Date.now() + 60_000), scope: ['read'], client, user: { id: 'u' }, grantId: randomUUID() }, client, {});
      return accessToken;
    }

    /** The store's bearer check: the token found, or undefined. */
    async function check(store: Store, token: string): Promise<AccessToken | undefined> {
      return (await store.getAccessToken(token)) || undefined;
    }

    /** Waits until `store` answers `token` from memory (tracking starts once its connections are up). */
    async function kept(store: Store, token: string): Promise<void> {
      await until(async () => (await readsOf(token, () => check(store, token))) === 0, 'the token is answered from memory');
    }

    it('a token found is read twice (the second read tracked), then answered from memory; a made-up one is read once per check and never kept', async () => {
      const [token, probe] = [await saved(), await saved()];
      await kept(here, token);
      assert.equal((await check(here, token))?.accessToken, token);
      // A fresh store, once tracking is on (a probe token is answered from memory): the first check
      // of a token reads it, then reads it again with tracking; the next check reads nothing.
      const fresh = await createRedisStore({ url: REDIS_URL, prefix: storePrefix });
      try {
        await kept(fresh, probe);
        assert.equal(await readsOf(token, () => check(fresh, token)), 2);
        assert.equal(await readsOf(token, () => check(fresh, token)), 0);
      } finally {
        await fresh.close();
      }
      const madeUp = randomToken();
      assert.equal(await readsOf(madeUp, async () => {
        for (let i = 0; i < 3; i++) assert.equal(await check(here, madeUp), undefined);
      }), 3);
    });

    it('tokens kept by checks made together are each tracked: a deletion of every one of them shows', async () => {
      const probe = await saved();
      await kept(here, probe);
      const tokens = await Promise.all(Array.from({ length: 5 }, () => saved()));
      // Checks of tokens and of made-up ones, all in one turn: their reads and tracked reads share pipelines.
      const checks = await Promise.all(tokens.flatMap((token) => [check(here, token), check(here, randomToken())]));
      assert.deepEqual(checks.map((found) => found?.accessToken), tokens.flatMap((token) => [token, undefined]));
      for (const token of tokens) await kept(here, token);
      await other.del(...tokens.map((token) => `${storePrefix}at:${hashToken(token)}`));
      await until(async () => (await Promise.all(tokens.map((token) => check(here, token)))).every((found) => found === undefined), 'every deletion shows', 1000);
    });

    it('a revocation by this store shows at once; one by another store sharing the Redis as its invalidation arrives', async () => {
      const [mine, theirs] = [await saved(), await saved()];
      for (const token of [mine, theirs]) await kept(here, token);
      const found = await check(here, mine);
      assert.ok(found);
      await here.revokeAccessToken(found);
      assert.equal(await check(here, mine), undefined, 'its own revocation, at once');
      const foundElsewhere = await check(elsewhere, theirs);
      assert.ok(foundElsewhere);
      await elsewhere.revokeAccessToken(foundElsewhere);
      await until(async () => (await check(here, theirs)) === undefined, "the other store's revocation shows", 1000);
    });

    it('an ACL user allowed CLIENT TRACKING but not CLIENT CACHING: each check reads its token once, as without the cache', async () => {
      const user = `tollgate-test-${randomUUID()}`;
      await other.acl('SETUSER', user, 'reset', 'on', '>limited-secret', '~*', '&*', '+@all', '-client|caching');
      const url = new URL(REDIS_URL);
      url.username = user;
      url.password = 'limited-secret';
      const limited = await createRedisStore({ url: url.href, prefix: storePrefix });
      try {
        // Once tracking is on, a check of a token found tries CACHING, is refused, and reads it twice for that.
        const token = await saved();
        await until(async () => (await readsOf(token, () => check(limited, token))) === 2, 'a check tried CLIENT CACHING');
        // From then on one read per check, where a store that kept trying would read twice each time.
        assert.equal(await readsOf(token, async () => {
          for (let i = 0; i < 3; i++) assert.equal((await check(limited, token))?.accessToken, token);
        }), 3);
      } finally {
        await limited.close();
        await other.acl('DELUSER', user);
      }
    });

    it("a grant revoked, and a client's tokens revoked (the CLI's grants revoke), by either store", async () => {
      const tokens = [await saved(), await saved(), await saved()];
      for (const token of tokens) await kept(here, token);
      const [first, second, third] = await Promise.all(tokens.map((token) => check(here, token)));
      assert.ok(first?.grantId && second && third?.grantId && here.revokeGrant && elsewhere.revokeGrant);
      await here.revokeGrant(first.grantId);
      assert.equal(await check(here, tokens[0]!), undefined, 'its own grant revocation, at once');
      await here.revokeTokensOf({ clientId: second.client.client_id });
      assert.equal(await check(here, tokens[1]!), undefined, "its own revocation of a client's tokens, at once");
      await elsewhere.revokeGrant(third.grantId);
      await until(async () => (await check(here, tokens[2]!)) === undefined, "the other store's grant revocation shows", 1000);
    });
  });
}
