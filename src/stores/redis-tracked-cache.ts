/**
 * Values of Redis keys kept in memory for as long as Redis says the keys have not changed: Redis's
 * server-assisted client-side caching (CLIENT TRACKING, https://redis.io/docs/latest/develop/reference/client-side-caching/)
 * (issue 17). Every token request reads its client, and a client's registration almost never
 * changes; every bearer check reads its access token, which changes only when it is revoked or
 * expires. The Redis store answers both from memory instead of a round trip.
 *
 * How a change reaches every process sharing the Redis:
 * - the reading connection runs `CLIENT TRACKING ON REDIRECT <id>` with `BCAST PREFIX <prefix>` (clients)
 *   or `OPTIN` (access tokens, below): Redis then names every key under the prefix (or every key this
 *   connection read tracked) that any connection writes, deletes, or that expires or is evicted, to a
 *   second connection of ours subscribed to `__redis__:invalidate`, which forgets it;
 *   Redis sends that message in the same turn of its event loop as its answer to the writer, so a
 *   process has it by the time anyone acting on that answer can reach it;
 * - a value read while a message was on its way (any message, `generation` counts them) is answered
 *   but not kept, so a read that crossed a change never outlives it;
 * - whenever either connection is lost, or tracking cannot be switched on (a Redis before 6, a user
 *   without the CLIENT command), nothing is kept or answered from memory until tracking is on again,
 *   over a new subscription: a message missed while disconnected cannot leave a stale value.
 * - a value kept is answered only once the subscriber connection has had Redis's answer to a PING sent
 *   after the look-up began (`synced`), or after the request it serves began (`sync()`, given to
 *   `lookup`): Redis runs commands one at a time and writes to a connection in order, so every
 *   message for a change Redis made before that PING arrives before its answer. A
 *   request that follows from a writer's answer began its look-up after the change, so the change is
 *   seen: linearizable, whatever the two sockets' order in the kernel. One PING serves every look-up
 *   begun in a poll phase (it is sent once the phase's I/O callbacks have run), so its cost is one short
 *   round trip per event-loop turn, not one read per value.
 * - a PING unanswered after `syncTimeoutMs` (a subscriber socket half-open: a partition, a NAT that
 *   dropped it, a peer gone without a FIN) answers its look-ups from Redis and stops keeping values
 *   while the subscriber is cut and connected again: without it, every check of a kept token would wait
 *   for TCP to notice the dead socket, about a quarter of an hour of retransmissions on Linux.
 * This process's own writes are forgotten by the caller at once (`forget`), without waiting for the
 * message, so it reads its own writes.
 */
import type { Redis } from 'ioredis';
import { endConnection } from './redis-end.js';

export interface TrackedCache<V> {
  /**
   * The value of `id` (the key `<prefix><id>`) from memory when tracked and kept, else from the
   * cache's `load(id)` (kept if nothing changed meanwhile). One loader for all, so a look-up on the
   * token endpoint allocates neither a closure nor a key. `since`: a `sync()` begun earlier in the
   * same request, which a kept value waits for instead of a sync of its own.
   */
  lookup(id: string, since?: Promise<boolean>): Promise<V>;
  /**
   * Begins the wait a kept value is answered after (see `synced` below), for a look-up the caller
   * will make later in the same request, once it knows the id: the two waits of a request that reads
   * one cached key to learn the next (a token, then its client) then overlap instead of following
   * each other. What it guarantees is measured from this call: every change Redis made before it is seen.
   */
  sync(): Promise<boolean>;
  /** Forgets `id` now: for this process's own writes. */
  forget(id: string): void;
  /** Quits the subscription. */
  close(): Promise<void>;
}

const CHANNEL = '__redis__:invalidate';

/** `sync()` while tracking is off: nothing is kept, so a look-up reads Redis. */
const NOT_TRACKING = Promise.resolve(false);

/**
 * Opt-in tracking (CLIENT TRACKING … OPTIN), for keys anyone can make the store look up: Redis then
 * tracks only the reads this connection asks it to, not every read. A value is read once as usual;
 * only a value worth keeping is read again, tracked, and kept. So a look-up of a key that does not
 * exist (a made-up bearer token) costs one read, as without the cache, and never grows Redis's
 * tracking table or the cache.
 */
export interface OptIn<V> {
  /** Whether a value is worth keeping (a token that exists). */
  keep(value: V): boolean;
  /**
   * Reads `id` again with `CLIENT CACHING yes` before the read on the same connection, so Redis
   * tracks it; undefined when Redis refused to (tracking off meanwhile), and the value is then not kept.
   */
  loadTracked(id: string): Promise<V | undefined>;
}

export interface TrackedCacheOptions<V> {
  /** At most this many values are kept, the oldest dropped first. */
  capacity: number;
  /**
   * Without it, Redis names every key under the prefix that changes (broadcasting mode); with it, only
   * the keys this connection read tracked, and it must be the only user of the connection's tracking.
   */
  optIn?: OptIn<V>;
  /** How long a look-up waits for the subscriber's PING before reading Redis and cutting the subscriber. Default 1000. */
  syncTimeoutMs?: number;
}

/** Long beside a PING's round trip under load (milliseconds), short beside TCP's own detection of a dead peer. */
const SYNC_TIMEOUT_MS = 1000;

/**
 * `redis` is the connection the values are read on (tracking is a property of a connection);
 * `prefix` the keys tracked, each kept under the rest of its name (its id); `load` reads an id's value.
 */
export function createTrackedCache<V>(redis: Redis, prefix: string, load: (id: string) => Promise<V>, options: TrackedCacheOptions<V>): TrackedCache<V> {
  const { capacity, optIn, syncTimeoutMs = SYNC_TIMEOUT_MS } = options;
  const entries = new Map<string, V>();
  let tracking = false;
  /** Counts changes (invalidations, lost connections): a read that saw it move keeps nothing. */
  let generation = 0;
  /** Counts attempts to switch tracking on, and losses: an attempt succeeds only if nothing came after it. */
  let attempts = 0;
  let subscriberId: string | undefined;
  let closed = false;

  function stopTracking(): void {
    tracking = false;
    attempts++;
    generation++;
    entries.clear();
  }

  // A connection of its own: a subscribed connection cannot run other commands. autoResubscribe off:
  // after a reconnection it has a new id, which tracking must be pointed at again (below). RESP2:
  // to a RESP3 connection Redis sends invalidations as `invalidate` pushes, which ioredis 6 drops;
  // to a RESP2 one, as messages on the channel (ioredis 5 speaks RESP2 only and ignores the option).
  const subscriber = redis.duplicate({ protocol: 2, autoResubscribe: false, enableAutoPipelining: false, enableOfflineQueue: false });
  subscriber.on('error', () => {});

  // The message names the keys (Buffers; a name can hold any byte), or is null when the whole
  // database was flushed.
  subscriber.on('messageBuffer', (channel: Buffer, keys: Buffer[] | Buffer | null) => {
    if (channel.toString() !== CHANNEL) return;
    generation++;
    if (!Array.isArray(keys)) entries.clear();
    else for (const name of keys) entries.delete(name.toString().slice(prefix.length));
  });

  /** Points the reading connection's tracking at the subscriber; run after either connection (re)connects. */
  async function track(): Promise<void> {
    stopTracking();
    const attempt = attempts;
    if (subscriberId === undefined || closed) return;
    try {
      // OFF first: ON again with other options is refused while on.
      await redis.call('CLIENT', 'TRACKING', 'OFF');
      const mode = optIn ? ['OPTIN'] : ['BCAST', 'PREFIX', prefix];
      await redis.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', subscriberId, ...mode);
      if (attempt === attempts && !closed) tracking = true;
    } catch {
      // Left off: every look-up reads Redis, as without this cache.
    }
  }

  subscriber.on('ready', () => {
    subscriberId = undefined;
    stopTracking();
    void (async () => {
      try {
        const id = String(await subscriber.client('ID'));
        await subscriber.subscribe(CHANNEL);
        subscriberId = id;
        await track();
      } catch {
        // Left off until the subscriber connects again.
      }
    })();
  });
  subscriber.on('close', () => {
    subscriberId = undefined;
    stopTracking();
  });
  // Tracking belongs to the connection: a reconnected one starts without it.
  const onReadingClose = (): void => stopTracking();
  const onReadingReady = (): void => void track();
  redis.on('close', onReadingClose);
  redis.on('ready', onReadingReady);

  /** The PING every look-up begun in this poll phase waits for; true once answered, false if it failed or timed out. */
  let pending: Promise<boolean> | undefined;

  /**
   * Resolves true once every invalidation Redis sent before a PING sent from now on has been applied,
   * false when the PING failed or went unanswered for `syncTimeoutMs` (the value is then read). The
   * PING leaves when the poll phase's I/O callbacks have run (`setImmediate`), so every request read in
   * that phase shares it, and a look-up begun after it leaves waits for the next. Under load,
   * bench/revocation-window.mjs counted revoked tokens still accepted by another process: 33 and 53 of
   * 2,500 answering at once, 1 and 1 of 2,500 waiting for the poll phase only (a message still in the
   * kernel's queues), 0 of 10,000 with this wait, which costs bearer checks about a tenth (docs/stores.md).
   */
  function synced(): Promise<boolean> {
    return (pending ??= new Promise((resolve) => {
      setImmediate(() => {
        pending = undefined;
        let settled = false;
        // The verdict waits for the poll phase after the timer: if the loop itself was held up (a long
        // synchronous task), the answer may be waiting in the socket, and reading it costs no more time.
        const timer = setTimeout(() => {
          setImmediate(() => {
            if (settled) return;
            resolve(false);
            unresponsive();
          });
        }, syncTimeoutMs).unref();
        subscriber
          .ping()
          .then(
            () => true,
            () => false,
          )
          .then((answered) => {
            settled = true;
            clearTimeout(timer);
            resolve(answered);
          });
      });
    }));
  }

  /**
   * The subscriber did not answer in time: what it has not read may name kept values, so none is
   * answered until it is connected again and tracking is pointed at its new connection ('ready' above).
   */
  function unresponsive(): void {
    if (closed || !tracking) return;
    stopTracking();
    subscriber.disconnect(true);
  }

  function remember(id: string, value: V): void {
    entries.set(id, value);
    if (entries.size > capacity) entries.delete(entries.keys().next().value as string);
  }

  return {
    async lookup(id, since) {
      if (tracking && entries.has(id) && (await (since ?? synced()))) {
        const kept = entries.get(id);
        if (tracking && (kept !== undefined || entries.has(id))) return kept as V;
      }
      const wasTracking = tracking;
      let seen = generation;
      const value = await load(id);
      if (!(wasTracking && tracking)) return value;
      if (!optIn) {
        if (seen === generation) remember(id, value);
        return value;
      }
      if (!optIn.keep(value)) return value;
      seen = generation;
      const tracked = await optIn.loadTracked(id);
      if (tracked === undefined) return value;
      if (tracking && seen === generation && optIn.keep(tracked)) remember(id, tracked);
      return tracked;
    },
    sync: () => (tracking ? synced() : NOT_TRACKING),
    forget(id) {
      generation++;
      entries.delete(id);
    },
    async close() {
      closed = true;
      stopTracking();
      redis.off('close', onReadingClose);
      redis.off('ready', onReadingReady);
      await endConnection(subscriber);
    },
  };
}
