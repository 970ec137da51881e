/**
 * The SQLite store's cache of recent look-ups (src/stores/sqlite-read-cache.ts) and the change log
 * that tells it what other connections changed (src/stores/sqlite-change-log.ts), on a real file with
 * a second connection standing for another process: every way a cached row can change must show at
 * the next look-up, and the cache must actually answer from memory (else the rest proves nothing).
 */
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createReadCache } from '../../src/stores/sqlite-read-cache.js';
import type { ReadCache } from '../../src/stores/sqlite-read-cache.js';
import { CATCH_UP_LIMIT, changeLogSchema, createChangeLog } from '../../src/stores/sqlite-change-log.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-read-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** An expiry far ahead (milliseconds). */
const FAR = 4102444800000;
let db: Database.Database;
/** Another connection to the same file: another `--workers` process, or the CLI (it opens the log as the store does). */
let other: Database.Database;
let cache: ReadCache<string>;
/** How many look-ups read the table. */
let loads: number;

function lookup(key: string): string | undefined {
  return cache.lookup(key, () => {
    loads += 1;
    return db.prepare<[string], string>('SELECT value FROM rows WHERE key = ?').pluck().get(key);
  });
}

/** Looks `key` up, so it is kept, and checks that the next look-up is answered from memory. */
function warm(key: string): void {
  lookup(key);
  const before = loads;
  lookup(key);
  assert.equal(loads, before, `${key} is answered from memory once kept`);
}

/** Another connection updates row 'c', which no test keeps, `times` times in one commit: each update logs its key twice (before and after). */
function updateC(times: number): void {
  const update = other.prepare("UPDATE rows SET value = value WHERE key = 'c'");
  other.transaction(() => {
    for (let i = 0; i < times; i++) update.run();
  })();
}

function open(capacity = 16): void {
  const file = join(dir, `cache-${++files}.db`);
  db = new Database(file);
  db.pragma('journal_mode = WAL');
  // `rows` stands for the access tokens (an expiry; their sweep is not logged), `owners` for the clients.
  db.exec(`CREATE TABLE rows (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER NOT NULL DEFAULT ${FAR});
           CREATE TABLE owners (id TEXT PRIMARY KEY);
           CREATE TABLE unrelated (id TEXT PRIMARY KEY);
           ${changeLogSchema([{ table: 'rows', key: 'key', expiresAt: 'expires_at' }, { table: 'owners', key: 'id' }])}
           INSERT INTO rows (key, value) VALUES ('a', 'A'), ('b', 'B'), ('c', 'C');`);
  other = new Database(file);
  createChangeLog(other);
  cache = createReadCache<string>(db, createChangeLog(db), { table: 'rows', key: 'key', joined: ['owners'], name: 'test_cache', capacity });
  loads = 0;
}

describe('sqlite read cache', () => {
  beforeEach(() => open());
  afterEach(() => {
    db.close();
    other.close();
  });

  it('reads a key from the table once, then answers it from memory while nothing changes', () => {
    assert.equal(lookup('a'), 'A');
    assert.equal(lookup('a'), 'A');
    assert.equal(lookup('a'), 'A');
    assert.equal(loads, 1);
  });

  it('keeps no missing key: each look-up of it reads the table', () => {
    for (let i = 0; i < 3; i++) assert.equal(lookup('missing'), undefined);
    assert.equal(loads, 3);
  });

  it('a row another connection deletes is gone at the next look-up (revocation on every process sharing the file)', () => {
    warm('a');
    other.prepare("DELETE FROM rows WHERE key = 'a'").run();
    assert.equal(lookup('a'), undefined);
  });

  it("another connection's commit that changes no kept row leaves every kept row in memory (the change log names what changed)", () => {
    warm('a');
    warm('b');
    // New rows (new tokens issued by another worker) and another table: nothing kept changed.
    other.prepare("INSERT INTO rows (key, value) VALUES ('d', 'D')").run();
    other.prepare("INSERT INTO unrelated VALUES ('x')").run();
    const before = loads;
    assert.equal(lookup('a'), 'A');
    assert.equal(lookup('b'), 'B');
    assert.equal(loads, before);
  });

  it("another connection's commit, first seen at one key's look-up, reaches every kept key", () => {
    warm('a');
    warm('b');
    warm('c');
    other.prepare("DELETE FROM rows WHERE key = 'b'").run();
    other.prepare("UPDATE rows SET value = 'C2' WHERE key = 'c'").run();
    const before = loads;
    assert.equal(lookup('a'), 'A');
    assert.equal(loads, before, 'a is unchanged and stays in memory');
    assert.equal(lookup('b'), undefined);
    assert.equal(lookup('c'), 'C2');
  });

  it("another connection's replace of a kept row shows at the next look-up (recursive_triggers)", () => {
    warm('a');
    other.prepare("INSERT OR REPLACE INTO rows (key, value) VALUES ('a', 'A2')").run();
    assert.equal(lookup('a'), 'A2');
  });

  it("another connection's write to a joined table makes every kept row be read again", () => {
    warm('a');
    warm('b');
    other.prepare("INSERT INTO owners VALUES ('o')").run();
    const before = loads;
    lookup('a');
    lookup('b');
    assert.equal(loads, before + 2);
  });

  it("another connection's delete of expired rows (the sweep) is not logged", () => {
    other.prepare("INSERT INTO rows (key, value, expires_at) VALUES ('old', 'OLD', 1)").run();
    other.prepare("DELETE FROM rows WHERE key = 'old'").run();
    assert.equal(other.prepare('SELECT count(*) FROM cache_changes').pluck().get(), 0);
    other.prepare("DELETE FROM rows WHERE key = 'c'").run();
    assert.equal(other.prepare('SELECT count(*) FROM cache_changes').pluck().get(), 1);
  });

  it('forgets every kept row when the log was pruned past its last look', () => {
    warm('a');
    warm('b');
    other.prepare("DELETE FROM rows WHERE key = 'c'").run();
    other.prepare('DELETE FROM cache_changes').run();
    const before = loads;
    assert.equal(lookup('a'), 'A');
    assert.equal(lookup('b'), 'B');
    assert.equal(loads, before + 2);
  });

  it(`forgets every kept row, without reading the log, past ${CATCH_UP_LIMIT} changes since its last look`, () => {
    warm('a');
    // Changes to a row not kept: read one by one, they would leave 'a' in memory.
    updateC(CATCH_UP_LIMIT / 2 + 1);
    const before = loads;
    assert.equal(lookup('a'), 'A');
    assert.equal(loads, before + 1);
  });

  it('the log keeps only its latest rows, and a connection that read the older ones still catches up', () => {
    const log = createChangeLog(other);
    warm('a');
    warm('b');
    updateC(CATCH_UP_LIMIT / 4);
    lookup('a');
    updateC(CATCH_UP_LIMIT / 4);
    other.prepare("DELETE FROM rows WHERE key = 'b'").run();
    log.prune();
    const { rows, first } = other.prepare<[], { rows: number; first: number }>('SELECT count(*) AS rows, min(seq) AS first FROM cache_changes').get()!;
    assert.deepEqual({ rows, first }, { rows: CATCH_UP_LIMIT, first: 2 });
    const before = loads;
    assert.equal(lookup('a'), 'A');
    assert.equal(loads, before, 'a stays in memory: every change since its last look was still logged');
    assert.equal(lookup('b'), undefined);
  });

  it("this connection's own delete, update or replace of a kept row shows at the next look-up (TEMP triggers)", () => {
    warm('a');
    db.prepare("DELETE FROM rows WHERE key = 'a'").run();
    assert.equal(lookup('a'), undefined);

    warm('b');
    db.prepare("UPDATE rows SET value = 'B2' WHERE key = 'b'").run();
    assert.equal(lookup('b'), 'B2');

    warm('c');
    db.prepare("INSERT OR REPLACE INTO rows (key, value) VALUES ('c', 'C2')").run();
    assert.equal(lookup('c'), 'C2');
  });

  it("this connection's write to a joined table makes every kept row be read again", () => {
    warm('a');
    db.prepare("INSERT INTO owners VALUES ('o')").run();
    const before = loads;
    lookup('a');
    assert.equal(loads, before + 1);
  });

  it("leaves other connections' writes alone (its triggers are TEMP, on this connection only)", () => {
    other.prepare("DELETE FROM rows WHERE key = 'b'").run();
    // The cache's triggers are TEMP; the log's are the schema's own.
    assert.equal(other.prepare("SELECT count(*) FROM sqlite_temp_master WHERE type = 'trigger'").pluck().get(), 0);
  });

  it('does not answer from memory a row read while another connection committed', () => {
    // The read sees 'A'; the row is deleted elsewhere just after, before anything checks the version.
    const value = cache.lookup('a', () => {
      const read = db.prepare<[], string>("SELECT value FROM rows WHERE key = 'a'").pluck().get();
      other.prepare("DELETE FROM rows WHERE key = 'a'").run();
      return read;
    });
    assert.equal(value, 'A');
    assert.equal(lookup('a'), undefined);
  });

  it('a kept row whose version moved is read again, and kept again', () => {
    warm('a');
    other.prepare("UPDATE rows SET value = 'A2' WHERE key = 'a'").run();
    assert.equal(lookup('a'), 'A2');
    const before = loads;
    assert.equal(lookup('a'), 'A2');
    assert.equal(loads, before);
  });

  it('keeps at most `capacity` keys, the oldest leaving first', () => {
    db.close();
    other.close();
    open(2);
    warm('a');
    warm('b');
    warm('c');
    const before = loads;
    lookup('c');
    lookup('b');
    assert.equal(loads, before);
    lookup('a');
    assert.equal(loads, before + 1);
  });
});
