/**
 * The Redis store (ioredis): for several tollgate processes sharing one Redis. Same semantics as the
 * memory store; every token and code key expires with the value it holds, and values are kept only
 * as hashes.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import type { RecordValue, StateRecord, Store, UserListing } from './store.js';
import type { AccessToken, AuthorizationCode, Client, RefreshToken, Token } from '../types.js';
import type { SigningKey } from '../tokens/signing-keys.js';
import { hashToken } from '../secrets.js';
import { credentialPolicy } from './policy.js';
import type { StoredClient } from './policy.js';
import { collectGrants, heldBy, optionalConsumedAt, passwordHashOf, recordHash, registeredClients, retrievableSecretOf, secretHashOf, toClient, toUser } from './records.js';
import type { GrantTokenRow } from './records.js';
import { guardUnavailable, isNetworkError } from './unavailable.js';
import { createTurnBatch } from './turn-batch.js';
import { createTrackedCache } from './redis-tracked-cache.js';
import type { OptIn } from './redis-tracked-cache.js';
import { importPeer } from '../peer.js';
import { endConnection } from './redis-end.js';

// Every type of the Store contract, the same from each store's entry.
export type * from './store.js';

/** Options of `createRedisStore`: the server and the key prefix. */
export interface RedisStoreOptions {
  /** e.g. `redis://:password@host:6379/0`. */
  url: string;
  /** Put before every key, so several deployments (or test runs) can share one Redis. Default `tollgate:`. */
  prefix?: string;
  /**
   * How long a connection with commands under way may go without a byte from Redis before it is taken
   * for dead: cut, its commands answered 503, and connected again. Default 5000 ms.
   */
  socketTimeoutMs?: number;
}

/**
 * A connection gone half-open (Redis's host lost, a partition, a NAT that forgot the flow) sends no
 * FIN or RST: without this, its commands wait until TCP gives up retransmitting, about a quarter of
 * an hour on Linux (keep-alive probes never start while data is unacknowledged). Redis answers our
 * commands in well under a millisecond; five seconds of silence is not a slow answer.
 */
const SOCKET_TIMEOUT_MS = 5_000;

/** Access tokens found by bearer checks and kept in memory, per process: at most this many, the oldest dropped first. */
const ACCESS_TOKENS_KEPT = 10_000;

/**
 * How a token's or code's record names its client: by id, with a copy only of a client the store
 * does not hold (records.ts `RegisteredClients`); a record written before ids were kept has the copy alone.
 */
type ClientRef = { clientId: string; client?: Client | undefined } | { clientId?: undefined; client: Client };

/** The id of the client a record names. */
function clientIdOf(record: ClientRef): string {
  return record.clientId ?? record.client.client_id;
}

/** A token's JSON, kept in the `data` field of its hash; `consumedAt` (ms) is a field of its own. */
type TokenRecord = Pick<Token, 'scope' | 'user' | 'extra' | 'grantId'> & ClientRef & { expiresAt: number };

type CodeRecord = Pick<AuthorizationCode, 'scope' | 'user' | 'grantId' | 'redirectUri' | 'codeChallenge' | 'codeChallengeMethod'> &
  ClientRef & { expiresAt: number };

/** A token's or code's key under the prefix, with its record and consumed mark (the admin operations' scan). */
interface StoredToken {
  key: string;
  kind: 'access' | 'refresh' | 'code';
  record: TokenRecord;
  consumed: boolean;
}

interface UserRecord {
  username: string;
  passwordHash: string;
  /** Absent on users saved before sources were recorded: they came from the config. */
  source?: UserListing['source'];
}

interface KeyRecord extends Omit<SigningKey, 'createdAt' | 'retiredAt' | 'withdrawnAt'> {
  createdAt: number;
}

/**
 * Saves the keys of one token pair and indexes them under their grant. KEYS[1] is the grant's set,
 * KEYS[2..] the token keys; ARGV[1] is now (ms), then a JSON value and an expiry (ms) per token key.
 * The set's own expiry only ever grows, to the latest of its members', so it outlives none of them.
 */
const SAVE_TOKEN = `
local latest, latestAt = 0, nil
for i = 2, #KEYS do
  local data, expiresAt = ARGV[i * 2 - 2], ARGV[i * 2 - 1]
  redis.call('DEL', KEYS[i])
  redis.call('HSET', KEYS[i], 'data', data)
  redis.call('PEXPIREAT', KEYS[i], expiresAt)
  redis.call('SADD', KEYS[1], KEYS[i])
  if tonumber(expiresAt) > latest then latest, latestAt = tonumber(expiresAt), expiresAt end
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 or ttl < latest - tonumber(ARGV[1]) then redis.call('PEXPIREAT', KEYS[1], latestAt) end
`;

/**
 * Marks a refresh token or code consumed at ARGV[1] (ms) by the call ARGV[2] (callId below).
 * Returns 1 only to the one call that marked it: Redis runs a script whole, so the check and the set
 * cannot interleave. The same call run again (its first answer lost) is answered 1 again.
 */
const CONSUME = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HSETNX', KEYS[1], 'consumedAt', ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'consumedBy', ARGV[2])
  return 1
end
if redis.call('HGET', KEYS[1], 'consumedBy') == ARGV[2] then return 1 end
return 0
`;

/**
 * Records the first use of a value, remembered until ARGV[2] (ms) by the call ARGV[1]; 1 to that
 * call only, and to it again should it run twice.
 */
const USE_ONCE = `
if redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2], 'NX') then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0
`;

/** Deletes the first ARGV[1] keys (access tokens) and marks the rest (refresh tokens) consumed at ARGV[2]. */
const REVOKE_GRANT = `
local accessCount = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  if i <= accessCount then
    redis.call('DEL', key)
  elseif redis.call('EXISTS', key) == 1 then
    redis.call('HSETNX', key, 'consumedAt', ARGV[2])
  end
end
`;

/**
 * Appends a signing key and retires the older ones. KEYS[1] lists keys oldest first (so an index
 * never changes), KEYS[2] maps an index to its retirement time. ARGV: the key's JSON, now (ms),
 * and the key's own retirement time or ''.
 */
const SAVE_SIGNING_KEY = `
local count = redis.call('LLEN', KEYS[1])
for i = 0, count - 1 do redis.call('HSETNX', KEYS[2], i, ARGV[2]) end
redis.call('RPUSH', KEYS[1], ARGV[1])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], count, ARGV[3]) end
`;

/**
 * Creates a state record unless a live one has its key. KEYS[1] the record, KEYS[2] its subject's
 * set ('' field when none); ARGV: value JSON, expiry (ms), subject or '', the call (callId below),
 * which a second run of the same call finds and is answered 1 again. The subject set's expiry only
 * grows, to its latest member's.
 */
const PUT_RECORD = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  if redis.call('HGET', KEYS[1], 'call') == ARGV[4] then return 1 end
  return 0
end
redis.call('HSET', KEYS[1], 'value', ARGV[1], 'version', 1, 'expiresAt', ARGV[2], 'subject', ARGV[3], 'call', ARGV[4])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
if ARGV[3] ~= '' then
  redis.call('SADD', KEYS[2], KEYS[1])
  local expiry = redis.call('PEXPIRETIME', KEYS[2])
  if expiry < 0 or expiry < tonumber(ARGV[2]) then redis.call('PEXPIREAT', KEYS[2], ARGV[2]) end
end
return 1
`;

/**
 * Compare-and-swap of a record's value: ARGV[1] the expected version, ARGV[2] the new value, ARGV[3]
 * the call; a second run of the call that made the last change is answered 1 again.
 */
const REPLACE_RECORD = `
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then
  if redis.call('HGET', KEYS[1], 'call') == ARGV[3] then return 1 end
  return 0
end
redis.call('HSET', KEYS[1], 'value', ARGV[2], 'call', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'version', 1)
return 1
`;

/**
 * Reads and deletes a record in one step. KEYS[2] keeps what was taken, with the call ARGV[1], for
 * a minute: a second run of the same call finds the record gone and is answered that instead. No
 * other command reads KEYS[2].
 */
const TAKE_RECORD = `
local record = redis.call('HGETALL', KEYS[1])
if #record == 0 then
  if redis.call('HGET', KEYS[2], 'call') == ARGV[1] then return redis.call('HGETALL', KEYS[2]) end
  return record
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[2], unpack(record))
redis.call('HSET', KEYS[2], 'call', ARGV[1])
redis.call('PEXPIRE', KEYS[2], 60000)
return record
`;

/** Deletes every record in a subject's set (KEYS[1]) and the set; returns how many records went. */
const DELETE_RECORDS = `
local deleted = 0
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do deleted = deleted + redis.call('DEL', member) end
redis.call('DEL', KEYS[1])
return deleted
`;

/** A record's hash fields as HGETALL lists them, or null when it is absent or expired. */
function stateRecordOf(fields: Record<string, string>): StateRecord | null {
  const expiresAt = Number(fields['expiresAt']);
  if (fields['value'] === undefined || !(expiresAt > Date.now())) return null;
  const subject = fields['subject'];
  return {
    value: JSON.parse(fields['value']) as RecordValue,
    version: Number(fields['version']),
    expiresAt: new Date(expiresAt),
    ...(subject ? { subject } : {}),
  };
}

/** HGETALL's reply as a Lua script returns it: a flat list of fields and values. */
function fieldsOf(flat: unknown): Record<string, string> {
  const list = Array.isArray(flat) ? (flat as string[]) : [];
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) fields[list[i]!] = list[i + 1]!;
  return fields;
}

type Script = (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

/** A Lua script run by its SHA1 (sent once per server, not per call), loaded on first use. */
function defineScript(redis: Redis, lua: string): Script {
  const sha = createHash('sha1').update(lua).digest('hex');
  return async (keys, args) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      // NOSCRIPT: this server has not cached it yet (or was restarted); EVAL runs and caches it.
      if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
      return redis.eval(lua, keys.length, ...keys, ...args);
    }
  };
}

/**
 * Redis errors that mean it cannot serve or cannot write now: the connection is down (ioredis gave
 * up on the command, or the socket failed), or the server refuses for the moment: still loading its
 * data, a read-only replica, a failed save (MISCONF), out of memory, no primary.
 */
const UNAVAILABLE_REPLY = /^(LOADING|READONLY|MISCONF|OOM|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/;

function isRedisUnavailable(err: unknown): boolean {
  if (isNetworkError(err)) return true;
  if (!(err instanceof Error)) return false;
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    err.message === 'Connection is closed.' ||
    err.message.startsWith("Stream isn't writeable") ||
    UNAVAILABLE_REPLY.test(err.message)
  );
}

/**
 * Reports a lost connection on one line, once per outage. ioredis emits `error` at every failed
 * reconnect, and with no listener prints each with its stack as "[ioredis] Unhandled error event".
 * Before the first connection nothing is printed: the failure reaches whoever called first (the
 * start's ping says "cannot be reached" and why, on its one line); `lastError` keeps it for them.
 */
function watchConnection(redis: Redis): { lastError(): Error | undefined } {
  let connected = false;
  let reported = false;
  let last: Error | undefined;
  redis.on('error', (err: Error) => {
    last = err;
    if (!connected || reported) return;
    reported = true;
    // Names host and port (never the URL, which may hold a password): the first error of an
    // outage is often the dropped socket's (write EPIPE, read ECONNRESET), which names neither.
    console.error(
      `tollgate: the Redis store cannot reach Redis at ${address(redis)} (${err.message}); retrying, requests answer 503 meanwhile`,
    );
  });
  redis.on('ready', () => {
    connected = true;
    reported = false;
    last = undefined;
  });
  return { lastError: () => last };
}

/** Where the connection goes: a Unix socket's path, or host:port. */
function address(redis: Redis): string {
  const { path, host, port } = redis.options;
  return path ?? `${host ?? 'localhost'}:${port ?? 6379}`;
}

/** Runs a MULTI and throws the first error among its replies. */
async function execAll(tx: ChainableCommander): Promise<unknown[]> {
  const replies = (await tx.exec()) ?? [];
  for (const [err] of replies) if (err) throw err;
  return replies.map(([, reply]) => reply);
}

/** A key prefix as a SCAN pattern: its glob characters escaped. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** A `consumedAt` field as HMGET answers it: milliseconds as text, or null when unset. */
function consumedAtOf(ms: string | null | undefined): { consumedAt?: Date } {
  return optionalConsumedAt(ms ? Number(ms) : null);
}

/** Creates a store in Redis. Expired tokens and codes leave on their own: every such key carries its expiry. */
export async function createRedisStore(options: RedisStoreOptions): Promise<Store> {
  const prefix = options.prefix ?? 'tollgate:';
  const socketTimeout = options.socketTimeoutMs ?? SOCKET_TIMEOUT_MS;
  // 0 would cut every connection at its first command; ioredis reads "no timeout" only from undefined.
  if (!(socketTimeout > 0 && Number.isFinite(socketTimeout))) throw new RangeError('socketTimeoutMs must be a positive number of milliseconds');
  // ioredis is an optional peer: loaded here, so a missing one is named with its install command.
  const { Redis } = await importPeer('ioredis', 'The Redis store', () => import('ioredis'));
  const redis = new Redis(options.url, {
    // A command waits through at most two reconnect attempts (ioredis's default is 20, about 20 s of
    // silence) and then fails, which the store answers 503; a connection killed and reopened at once
    // loses nothing.
    maxRetriesPerRequest: 1,
    // No auto-pipelining: Redis answers commands in order on one connection, so concurrent requests'
    // commands share it without waiting for each other either way, and ioredis's turn-long pipelines
    // kept each command's arguments (a token save's JSON) reachable long enough for the garbage
    // collector to promote them: 1.4 KB per issued token, and about 0.8x the tokens issued a second
    // without it (issue 17).
    socketTimeout,
  });
  const connection = watchConnection(redis);
  const key = {
    client: (clientId: string) => `${prefix}client:${clientId}`,
    user: (id: string) => `${prefix}user:${id}`,
    clientIds: `${prefix}index:clients`,
    userIds: `${prefix}index:users`,
    indexesBuilt: `${prefix}index:built`,
    username: (username: string) => `${prefix}username:${username}`,
    access: (hash: string) => `${prefix}at:${hash}`,
    refresh: (hash: string) => `${prefix}rt:${hash}`,
    code: (hash: string) => `${prefix}code:${hash}`,
    grant: (grantId: string) => `${prefix}grant:${grantId}`,
    signingKeys: `${prefix}signing-keys`,
    retiredKeys: `${prefix}signing-keys:retired`,
    withdrawnKeys: `${prefix}signing-keys:withdrawn`,
    consent: (userId: string) => `${prefix}consent:${userId}`,
    health: `${prefix}health`,
    usedOnce: (hash: string) => `${prefix}once:${hash}`,
    record: (kind: string, recordKey: string) => `${prefix}record:${recordHash(kind, recordKey)}`,
    takenRecord: (kind: string, recordKey: string) => `${prefix}taken:${recordHash(kind, recordKey)}`,
    recordSubject: (kind: string, subject: string) => `${prefix}record-subject:${kind}:${subject}`,
  };
  /**
   * A name for one call of a check-and-set script (CONSUME, USE_ONCE and the records'), unique
   * across every process sharing the Redis. ioredis sends a command whose answer a broken connection
   * lost again once it has connected anew, so a check that ran runs twice; by this name the second
   * run is recognised as the first one's caller instead of as a reuse, which for a refresh token
   * would revoke its whole grant (RFC 9700 §4.14.2), or as a conflict. test/stores/redis.test.ts
   * loses such answers on purpose.
   */
  const callPrefix = randomBytes(12).toString('base64url');
  let calls = 0;
  const callId = (): string => `${callPrefix}${(calls++).toString(36)}`;
  const script = {
    saveToken: defineScript(redis, SAVE_TOKEN),
    consume: defineScript(redis, CONSUME),
    useOnce: defineScript(redis, USE_ONCE),
    revokeGrant: defineScript(redis, REVOKE_GRANT),
    saveSigningKey: defineScript(redis, SAVE_SIGNING_KEY),
    putRecord: defineScript(redis, PUT_RECORD),
    replaceRecord: defineScript(redis, REPLACE_RECORD),
    takeRecord: defineScript(redis, TAKE_RECORD),
    deleteRecords: defineScript(redis, DELETE_RECORDS),
  };

  /**
   * Every key under `keyPrefix`, one SCAN page at a time (never KEYS, which blocks the server), `visit`
   * awaited before the next page is asked for. A SCAN visits every key of the database whatever its
   * pattern; the pattern only decides which keys Redis sends back.
   */
  async function scanUnder(keyPrefix: string, visit: (keys: string[]) => Promise<void> | void): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${globEscape(keyPrefix)}*`, 'COUNT', 1000);
      cursor = next;
      await visit(keys);
    } while (cursor !== '0');
  }

  /**
   * The sets of client ids and user ids the listings read, so a server's start (which lists both to
   * prune what the config dropped) costs the same with a million live tokens as with none: a SCAN
   * visits every key of the database whatever its pattern (issue 17). Built once per prefix, at the
   * first listing, from a SCAN of the records written before the sets existed; from then on every
   * save and delete keeps them in the same MULTI as the record. An id whose record another process
   * deleted during that one SCAN stays in its set, and the listings skip it.
   */
  let indexesBuilt: Promise<void> | undefined;
  function idIndexes(): Promise<void> {
    indexesBuilt ??= buildIdIndexes().catch((err: unknown) => {
      indexesBuilt = undefined; // tried again at the next listing
      throw err;
    });
    return indexesBuilt;
  }
  async function buildIdIndexes(): Promise<void> {
    if ((await redis.exists(key.indexesBuilt)) === 1) return;
    // Two scans, each filtered by Redis, rather than one of the whole prefix: the prefix's keys are
    // mostly tokens, and sending them all over took 1.9 s against 1.0-1.2 s at a million keys.
    const idsUnder = async (keyPrefix: string): Promise<string[]> => {
      const ids: string[] = [];
      await scanUnder(keyPrefix, (keys) => {
        for (const k of keys) ids.push(k.slice(keyPrefix.length));
      });
      return ids;
    };
    const [clientIds, userIds] = await Promise.all([idsUnder(key.client('')), idsUnder(key.user(''))]);
    const tx = redis.multi();
    if (clientIds.length > 0) tx.sadd(key.clientIds, ...clientIds);
    if (userIds.length > 0) tx.sadd(key.userIds, ...userIds);
    await execAll(tx.set(key.indexesBuilt, '1'));
  }

  /**
   * Every token and code under the prefix, one SCAN page at a time: `visit` gets each page's tokens
   * (their records read by one pipeline) and consent keys, and is awaited before the next page is
   * asked for. The admin operations scan rather than keep a per-client and per-user index that every
   * token issued would have to write: they are rare, and tokens leave Redis on their own as they
   * expire. One SCAN for every kind, since a SCAN visits every key of the database whatever its
   * pattern; a page at a time, so memory holds what the caller keeps of each page, not every token
   * (issue 17: revoking one client's tokens among 200,000 token pairs took the process from 155 MiB
   * to 1 GiB).
   */
  async function scanTokens(visit: (tokens: StoredToken[], consentKeys: string[]) => Promise<void>): Promise<void> {
    const kinds = [
      [key.access(''), 'access'],
      [key.refresh(''), 'refresh'],
      [key.code(''), 'code'],
    ] as const;
    const consentPrefix = key.consent('');
    // One scan of the whole prefix: every token key has to be read anyway.
    await scanUnder(prefix, async (keys) => {
      const tokenKeys: Array<[string, StoredToken['kind']]> = [];
      const consentKeys: string[] = [];
      for (const k of keys) {
        const kind = kinds.find(([kindPrefix]) => k.startsWith(kindPrefix))?.[1];
        if (kind !== undefined) tokenKeys.push([k, kind]);
        else if (k.startsWith(consentPrefix)) consentKeys.push(k);
      }
      const tx = redis.pipeline();
      for (const [k] of tokenKeys) tx.hmget(k, 'data', 'consumedAt');
      const replies = tokenKeys.length === 0 ? [] : await execAll(tx);
      const tokens = tokenKeys.flatMap(([k, kind], i): StoredToken[] => {
        const [json, consumedAt] = replies[i] as [string | null, string | null];
        return json ? [{ key: k, kind, record: JSON.parse(json) as TokenRecord, consumed: consumedAt !== null }] : [];
      });
      await visit(tokens, consentKeys);
    });
  }

  /** The clients read from the store's own keys: a token or code record of theirs names them by id alone. */
  const registered = registeredClients();
  const storedClient = (json: string): StoredClient => {
    const record = JSON.parse(json) as StoredClient;
    registered.mark(record.client);
    return record;
  };
  /**
   * The clients looked up in one event-loop turn (every token request reads its client) are read by
   * one MGET, each client id once and its JSON parsed once (turn-batch.ts): concurrent requests of
   * one client share one read instead of one GET each. Nothing is kept past the turn, so an update
   * or deletion written before the MGET is seen by it, exactly as by a GET of its own.
   */
  const readClients = async (clientIds: string[]): Promise<(StoredClient | null)[]> => {
    const unique = [...new Set(clientIds)];
    const values = await redis.mget(...unique.map(key.client));
    const byId = new Map(unique.map((id, i) => [id, values[i] ? storedClient(values[i]) : null]));
    return clientIds.map((id) => byId.get(id) ?? null);
  };
  const clientReads = createTurnBatch<string, StoredClient | null>(readClients, async (clientId) => (await readClients([clientId]))[0] ?? null, isRedisUnavailable);
  /** The last 1024 clients read, kept while Redis tracks their keys unchanged (redis-tracked-cache.ts). */
  const clients = createTrackedCache<StoredClient | null>(redis, key.client(''), (clientId) => clientReads.add(clientId), { capacity: 1024 });
  /**
   * The client a record names: its copy when it keeps one, else its registration as it is now, so an
   * update reaches tokens already issued; null once the client is deleted (RFC 7592 §2.3). `since`:
   * the clients' `sync()` begun when the request began.
   */
  async function clientOf(record: ClientRef, since?: Promise<boolean>): Promise<Client | null> {
    if (record.clientId === undefined) return record.client;
    return record.client ?? (await clients.lookup(record.clientId, since))?.client ?? null;
  }
  /** What a record keeps of its client (`ClientRef`). */
  const clientRef = (client: Client): ClientRef => ({ clientId: client.client_id, client: registered.copyOf(client) });

  // Bearer checks read on a connection of their own: Redis tracks keys per connection, in one mode,
  // and these are tracked opt-in (only a token found is tracked and kept), the clients above broadcast.
  const tokenReader = redis.duplicate();
  // Its failures reach the caller as the main connection's do (503); the main connection reports them.
  tokenReader.on('error', () => {});
  const accessPrefix = key.access('');
  const readAccess = (hash: string): Promise<string | null> => tokenReader.hget(key.access(hash), 'data');
  // An ACL user allowed CLIENT TRACKING but not CLIENT CACHING: every check then reads once, as without the cache.
  let cachingAllowed = true;
  /** Opt-in tracking: only a token found is read again, tracked, and kept. */
  const trackedReads: OptIn<string | null> = {
    keep: (json) => cachingAllowed && json !== null,
    async loadTracked(hash) {
      // CLIENT CACHING yes applies to the connection's next command, so the two go in one explicit
      // pipeline, written back to back however ioredis queues commands (auto-pipelining, the offline
      // queue of a reconnect). Were another request's read written between them, that one would be
      // tracked, this one not, and kept anyway it would never hear of its revocation elsewhere.
      const replies = await tokenReader.pipeline().client('CACHING', 'YES').hget(key.access(hash), 'data').exec();
      const [[cachingError], [readError, json]] = replies as [[Error | null, unknown], [Error | null, string | null]];
      if (readError) throw readError;
      if (cachingError) {
        if (cachingError.message.startsWith('NOPERM')) cachingAllowed = false;
        return undefined;
      }
      return json;
    },
  };
  /**
   * The last ACCESS_TOKENS_KEPT access tokens found, kept while Redis tracks their keys unchanged: a
   * revocation here is forgotten at once, one elsewhere (any process sharing the Redis, the CLI's
   * `grants revoke`) as Redis's invalidation reaches this process, in the same turn of Redis's loop
   * as its answer to the revoker (redis-tracked-cache.ts). The JSON is kept, parsed per check, so no
   * caller shares a token object with another.
   */
  const accessTokens = createTrackedCache(tokenReader, accessPrefix, readAccess, { capacity: ACCESS_TOKENS_KEPT, optIn: trackedReads });
  /**
   * Deletes access tokens' keys and marks refresh tokens or codes consumed, as for one grant (REVOKE_GRANT).
   * This process's own revocations show at once, without waiting for Redis's message: the access tokens
   * are forgotten once the deletion is done, so a read that crossed it is not kept either (forgetting
   * counts as a change). Every revocation of more than one token goes through here.
   */
  async function revokeKeys(accessKeys: string[], consumable: string[]): Promise<void> {
    try {
      await script.revokeGrant([...accessKeys, ...consumable], [accessKeys.length, Date.now()]);
    } finally {
      for (const accessKey of accessKeys) accessTokens.forget(accessKey.slice(accessPrefix.length));
    }
  }

  const store: Store = {
    // The secret check, the constant-time user look-up and the client as user: src/stores/policy.ts.
    ...credentialPolicy({
      findClient: (clientId) => clients.lookup(clientId),
      async findUser(username) {
        const id = await redis.get(key.username(username));
        const json = id === null ? null : await redis.get(key.user(id));
        if (id === null || json === null) return null;
        const record = JSON.parse(json) as UserRecord;
        return { user: toUser(id, record.username), passwordHash: record.passwordHash };
      },
    }),

    async saveToken(token) {
      const { scope, client, user, extra, grantId } = token;
      const ref = clientRef(client);
      const record = (expiresAt: Date, scopeOf = scope): string =>
        JSON.stringify({ scope: scopeOf, ...ref, user, extra, grantId, expiresAt: expiresAt.getTime() } satisfies TokenRecord);
      const keys = [key.grant(grantId), key.access(hashToken(token.accessToken))];
      const args: (string | number)[] = [Date.now(), record(token.accessTokenExpiresAt), token.accessTokenExpiresAt.getTime()];
      if (token.refreshToken !== undefined && token.refreshTokenExpiresAt !== undefined) {
        keys.push(key.refresh(hashToken(token.refreshToken)));
        args.push(record(token.refreshTokenExpiresAt, token.refreshTokenScope), token.refreshTokenExpiresAt.getTime());
      }
      await script.saveToken(keys, args);
      return token;
    },

    async getAccessToken(accessToken) {
      // The client's registration is read after the token, from memory too: its wait for Redis's
      // invalidations begins now, beside the token's, so a bearer check waits for one round trip, not two.
      const clientsSynced = clients.sync();
      const json = await accessTokens.lookup(hashToken(accessToken));
      if (json === null) return null;
      const record = JSON.parse(json) as TokenRecord;
      const client = await clientOf(record, clientsSynced);
      if (client === null) return null;
      const { scope, user, extra, grantId, expiresAt } = record;
      const token: AccessToken = { accessToken, accessTokenExpiresAt: new Date(expiresAt), scope, client, user, grantId, ...(extra !== undefined && { extra }) };
      return token;
    },

    async getRefreshToken(refreshToken) {
      const [json, consumedAt] = await redis.hmget(key.refresh(hashToken(refreshToken)), 'data', 'consumedAt');
      if (!json) return null;
      const record = JSON.parse(json) as TokenRecord;
      const client = await clientOf(record);
      if (client === null) return null;
      const { scope, user, extra, grantId, expiresAt } = record;
      // `extra` rides along (as in memory.ts) so a rotation can carry it to the new pair.
      const token: RefreshToken & Pick<Token, 'extra'> = {
        scope,
        client,
        user,
        grantId,
        ...(extra !== undefined && { extra }),
        refreshToken,
        refreshTokenExpiresAt: new Date(expiresAt),
        ...consumedAtOf(consumedAt),
      };
      return token;
    },

    async revokeToken(token) {
      // The rotated token stays, marked, until its key expires, so a later reuse is recognisable
      // (RFC 9700 §4.14.2).
      return (await script.consume([key.refresh(hashToken(token.refreshToken))], [Date.now(), callId()])) === 1;
    },

    async revokeAccessToken(token) {
      const hash = hashToken(token.accessToken);
      try {
        return (await redis.del(key.access(hash))) === 1;
      } finally {
        // As in revokeKeys: forgotten here at once, once deleted.
        accessTokens.forget(hash);
      }
    },

    async revokeGrant(grantId) {
      // The grant's set names its members, so no key scan is needed.
      const members = await redis.smembers(key.grant(grantId));
      const accessKeys = members.filter((member) => member.startsWith(accessPrefix));
      const refreshKeys = members.filter((member) => member.startsWith(key.refresh('')));
      if (members.length === 0) return;
      await revokeKeys(accessKeys, refreshKeys);
    },

    async saveAuthorizationCode(code) {
      const { authorizationCode, expiresAt, consumedAt, client, ...rest } = code;
      const codeKey = key.code(hashToken(authorizationCode));
      const record = JSON.stringify({ ...rest, ...clientRef(client), expiresAt: expiresAt.getTime() } satisfies CodeRecord);
      const tx = redis.multi().del(codeKey).hset(codeKey, 'data', record);
      if (consumedAt) tx.hset(codeKey, 'consumedAt', consumedAt.getTime());
      await execAll(tx.pexpireat(codeKey, expiresAt.getTime()));
      return code;
    },

    async getAuthorizationCode(authorizationCode) {
      const [json, consumedAt] = await redis.hmget(key.code(hashToken(authorizationCode)), 'data', 'consumedAt');
      if (!json) return null;
      const record = JSON.parse(json) as CodeRecord;
      const client = await clientOf(record);
      if (client === null) return null;
      const { expiresAt, clientId: _id, client: _copy, ...rest } = record;
      const code: AuthorizationCode = {
        ...rest,
        client,
        authorizationCode,
        expiresAt: new Date(expiresAt),
        ...consumedAtOf(consumedAt),
      };
      return code;
    },

    async revokeAuthorizationCode(code) {
      // RFC 6749 §4.1.2: single use, decided atomically by the script; the consumed code stays until
      // it expires so that a replay is recognisable.
      return (await script.consume([key.code(hashToken(code.authorizationCode))], [Date.now(), callId()])) === 1;
    },

    async saveClient(registration) {
      const client = toClient(registration);
      // The secret itself only for a client_secret_jwt client (src/stores/records.ts); every other keeps its hash alone.
      const secret = retrievableSecretOf(registration);
      const record: StoredClient = { client, secretHash: secretHashOf(registration), ...(secret !== null && { secret }) };
      // Forgotten before and after, so neither a read under way nor the next one keeps the old registration.
      clients.forget(client.client_id);
      await execAll(redis.multi().set(key.client(client.client_id), JSON.stringify(record)).sadd(key.clientIds, client.client_id));
      clients.forget(client.client_id);
      return client;
    },

    async deleteClient(clientId) {
      // Deleted first, so no new token can be issued to it while its tokens, codes and consents are
      // revoked (RFC 7592 §2.3).
      clients.forget(clientId);
      const [deleted] = await execAll(redis.multi().del(key.client(clientId)).srem(key.clientIds, clientId));
      const existed = deleted === 1;
      clients.forget(clientId);
      await store.revokeTokensOf({ clientId });
      return existed;
    },

    async saveUser(registration) {
      const { username } = registration;
      const passwordHash = await passwordHashOf(registration);
      // A new username claims its id with SET NX, so parallel first saves (processes starting at once) agree on it.
      if (registration.id === undefined) await redis.set(key.username(username), randomUUID(), 'NX');
      const existingId = await redis.get(key.username(username));
      const id = registration.id ?? existingId ?? randomUUID();
      const previous = await redis.get(key.user(id));
      // As memory.ts: the user replaces whichever records held this username or this id.
      const tx = redis.multi();
      if (existingId !== null && existingId !== id) tx.del(key.user(existingId)).srem(key.userIds, existingId);
      const previousName = previous === null ? null : (JSON.parse(previous) as UserRecord).username;
      if (previousName !== null && previousName !== username) tx.del(key.username(previousName));
      tx.set(key.user(id), JSON.stringify({ username, passwordHash, source: registration.source ?? 'config' } satisfies UserRecord));
      tx.set(key.username(username), id).sadd(key.userIds, id);
      await execAll(tx);
      return toUser(id, username);
    },

    async getUserById(id) {
      const json = await redis.get(key.user(id));
      return json === null ? null : toUser(id, (JSON.parse(json) as UserRecord).username);
    },

    async listClients() {
      await idIndexes();
      const ids = await redis.smembers(key.clientIds);
      const values = ids.length === 0 ? [] : await redis.mget(ids.map((id) => key.client(id)));
      return values
        .flatMap((json) => (json === null ? [] : [(JSON.parse(json) as StoredClient).client]))
        .sort((a, b) => a.client_id.localeCompare(b.client_id));
    },

    async listUsers() {
      await idIndexes();
      const ids = await redis.smembers(key.userIds);
      const values = ids.length === 0 ? [] : await redis.mget(ids.map((id) => key.user(id)));
      return ids
        .flatMap((id, i) => {
          const json = values[i];
          if (json === null || json === undefined) return [];
          const { username, source } = JSON.parse(json) as UserRecord;
          return [{ id, username, source: source ?? 'config' }];
        })
        .sort((a, b) => a.username.localeCompare(b.username));
    },

    async deleteUser(id) {
      const json = await redis.get(key.user(id));
      if (json === null) return false;
      const { username } = JSON.parse(json) as UserRecord;
      const tx = redis.multi().del(key.user(id)).srem(key.userIds, id);
      // The username's key goes only if it still names this user.
      if ((await redis.get(key.username(username))) === id) tx.del(key.username(username));
      const [deleted] = await execAll(tx);
      return deleted === 1;
    },

    async revokeTokensOf(holder) {
      await scanTokens(async (tokens, consentKeys) => {
        const held = tokens.filter(({ record }) => heldBy(holder, { clientId: clientIdOf(record), user: record.user }));
        const accessKeys = held.filter(({ kind }) => kind === 'access').map(({ key: k }) => k);
        const consumable = held.filter(({ kind, consumed }) => kind !== 'access' && !consumed).map(({ key: k }) => k);
        if (accessKeys.length + consumable.length > 0) await revokeKeys(accessKeys, consumable);
        if (holder.userId === undefined && consentKeys.length > 0) await execAll(consentKeys.reduce((tx, k) => tx.hdel(k, holder.clientId), redis.pipeline()));
      });
      if (holder.userId !== undefined) await redis.del(key.consent(holder.userId));
    },

    async listGrants(holder) {
      const now = Date.now();
      const live: GrantTokenRow[] = [];
      await scanTokens(async (tokens) => {
        for (const { kind, record, consumed } of tokens) {
          if (kind === 'code' || consumed || record.expiresAt <= now) continue;
          const row = { ...record, clientId: clientIdOf(record), expiresAt: new Date(record.expiresAt) };
          if (heldBy(holder, row)) live.push(row);
        }
      });
      return collectGrants(live);
    },

    async getSigningKeys() {
      const [list, retired, withdrawn] = (await execAll(
        redis.multi().lrange(key.signingKeys, 0, -1).hgetall(key.retiredKeys).hgetall(key.withdrawnKeys),
      )) as [string[], Record<string, string>, Record<string, string>];
      return list
        .map((json, index): SigningKey => {
          const { createdAt, ...rest } = JSON.parse(json) as KeyRecord;
          const retiredAt = retired[String(index)];
          const withdrawnAt = Object.hasOwn(withdrawn, rest.kid) ? withdrawn[rest.kid] : undefined;
          return {
            ...rest,
            createdAt: new Date(createdAt),
            ...(retiredAt === undefined ? {} : { retiredAt: new Date(Number(retiredAt)) }),
            ...(withdrawnAt === undefined ? {} : { withdrawnAt: new Date(Number(withdrawnAt)) }),
          };
        })
        .reverse();
    },

    async saveSigningKey(signingKey) {
      const { createdAt, retiredAt, withdrawnAt: _, ...rest } = signingKey;
      const record = JSON.stringify({ ...rest, createdAt: createdAt.getTime() } satisfies KeyRecord);
      await script.saveSigningKey([key.signingKeys, key.retiredKeys], [record, Date.now(), retiredAt?.getTime() ?? '']);
    },

    async withdrawSigningKey(kid) {
      // Keys are never deleted, so a kid seen in the list stays there; HSETNX marks it once.
      const listed = (await redis.lrange(key.signingKeys, 0, -1)).some((json) => (JSON.parse(json) as KeyRecord).kid === kid);
      return listed && (await redis.hsetnx(key.withdrawnKeys, kid, String(Date.now()))) === 1;
    },

    async getConsent(userId, clientId) {
      const json = await redis.hget(key.consent(userId), clientId);
      return json === null ? null : (JSON.parse(json) as string[]);
    },

    async saveConsent(userId, clientId, scope) {
      await redis.hset(key.consent(userId), clientId, JSON.stringify(scope));
    },

    async useOnce(value, expiresAt) {
      // SET NX is the atomic check-and-set; PXAT lets Redis forget it when it may be used again.
      return (await script.useOnce([key.usedOnce(hashToken(value))], [callId(), expiresAt.getTime()])) === 1;
    },

    async putRecord(kind, recordKey, value, { expiresAt, subject }) {
      const keys = [key.record(kind, recordKey), subject === undefined ? key.recordSubject(kind, '') : key.recordSubject(kind, subject)];
      return (await script.putRecord(keys, [JSON.stringify(value), expiresAt.getTime(), subject ?? '', callId()])) === 1;
    },

    async getRecord(kind, recordKey) {
      return stateRecordOf(await redis.hgetall(key.record(kind, recordKey)));
    },

    async replaceRecord(kind, recordKey, version, value) {
      const record = key.record(kind, recordKey);
      return (await script.replaceRecord([record], [String(version), JSON.stringify(value), callId()])) === 1;
    },

    async takeRecord(kind, recordKey) {
      return stateRecordOf(fieldsOf(await script.takeRecord([key.record(kind, recordKey), key.takenRecord(kind, recordKey)], [callId()])));
    },

    async deleteRecords(kind, subject) {
      return Number(await script.deleteRecords([key.recordSubject(kind, subject)], []));
    },

    async sweepExpired() {
      // Nothing to do: every token, code, grant and record key carries its expiry, and Redis deletes it then.
      return 0;
    },

    async ping() {
      // PING and a write that expires on its own: a replica (READONLY), a failed save (MISCONF) or
      // a full memory (OOM) refuses the SET.
      try {
        await execAll(redis.multi().ping().set(key.health, String(Date.now()), 'PX', 10_000));
      } catch (err) {
        // ioredis gives up without saying why ("MaxRetriesPerRequestError"): the connection's own
        // error (ECONNREFUSED host:port, an auth failure) is what an operator needs to read.
        throw err instanceof Error && err.name === 'MaxRetriesPerRequestError' ? (connection.lastError() ?? err) : err;
      }
    },

    async close() {
      await Promise.all([clients.close(), accessTokens.close()]);
      await Promise.all([endConnection(redis), endConnection(tokenReader)]);
    },
  };
  return guardUnavailable(store, isRedisUnavailable);
}
