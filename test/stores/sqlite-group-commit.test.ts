import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createGroupCommit } from '../../src/stores/sqlite-group-commit.js';
import type { GroupCommitOptions } from '../../src/stores/sqlite-group-commit.js';

function setup() {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (v INTEGER PRIMARY KEY)');
  return { db, ...createGroupCommit(db) };
}

describe('SQLite group commit', () => {
  it('writes made in one turn share one transaction, settled only after it commits', async () => {
    const { db, write } = setup();
    let ran = 0;
    const results = [1, 2, 3].map((v) => write(() => (ran++, db.prepare('INSERT INTO t VALUES (?)').run(v).changes)));
    // Nothing runs, is committed, or answered, before the turn ends: the writes are queued.
    assert.equal(ran, 0);
    assert.equal(db.inTransaction, false);
    assert.deepEqual(await Promise.all(results), [1, 1, 1]);
    assert.equal(db.inTransaction, false);
    assert.deepEqual(db.prepare('SELECT count(*) AS n FROM t').get(), { n: 3 });
  });

  it('a failing statement fails only its own caller; the rest of the batch commits', async () => {
    const { db, write } = setup();
    const first = write(() => db.prepare('INSERT INTO t VALUES (1)').run());
    const clash = write(() => db.prepare('INSERT INTO t VALUES (1)').run());
    const third = write(() => db.prepare('INSERT INTO t VALUES (3)').run());
    await assert.rejects(clash, /UNIQUE/);
    await Promise.all([first, third]);
    assert.deepEqual(db.prepare('SELECT v FROM t ORDER BY v').all(), [{ v: 1 }, { v: 3 }]);
  });

  it('a check-and-set inside a batch stays atomic: of two consumers one wins', async () => {
    const { db, write } = setup();
    db.exec('CREATE TABLE codes (hash TEXT PRIMARY KEY, consumed_at INTEGER)');
    db.exec("INSERT INTO codes VALUES ('c', NULL)");
    const consume = () => write(() => db.prepare("UPDATE codes SET consumed_at = 1 WHERE hash = 'c' AND consumed_at IS NULL").run().changes === 1);
    assert.deepEqual(await Promise.all([consume(), consume()]), [true, false]);
  });

  it('flush commits the open batch at once', async () => {
    const { db, write, flush } = setup();
    const pending = write(() => db.prepare('INSERT INTO t VALUES (7)').run());
    flush();
    assert.equal(db.inTransaction, false);
    await pending;
  });
});

describe('SQLite group commit, when the disk is full', () => {
  it('recovers on the next write once space exists: a batch SQLite rolled back is not reused (SQLITE_FULL)', async () => {
    const { db, write } = setup();
    db.exec('CREATE TABLE b (v INTEGER PRIMARY KEY, data BLOB)');
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    const insert = (v: number) => () => db.prepare('INSERT INTO b VALUES (?, zeroblob(20000))').run(v).changes;

    // A small write joins the batch, then one that needs pages fails: SQLite rolls the whole
    // transaction back, so the small one fails too (it was never committed) …
    const small = write(() => db.prepare('INSERT INTO t VALUES (1)').run().changes);
    const full = write(insert(1));
    // … and a write later in the same turn starts a new batch instead of running outside a transaction.
    const later = write(() => db.prepare('INSERT INTO t VALUES (2)').run().changes);
    await assert.rejects(full, (err: unknown) => (err as { code?: string }).code === 'SQLITE_FULL');
    await assert.rejects(small, (err: unknown) => (err as { code?: string }).code === 'SQLITE_FULL');
    assert.equal(await later, 1);
    assert.deepEqual(db.prepare('SELECT v FROM t').pluck().all(), [2]);

    // Space again: the very next write succeeds.
    db.pragma('max_page_count = 1000000');
    assert.equal(await write(insert(2)), 1);
    assert.deepEqual(db.prepare('SELECT v FROM b').pluck().all(), [2]);
    assert.equal(db.inTransaction, false);
  });

  it('a batch refused before it begins (beforeBatch throws) fails its writer, and the next write tries again', async () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (v INTEGER PRIMARY KEY)');
    let refuse = true;
    const { write } = createGroupCommit(db, {
      beforeBatch: () => {
        if (refuse) throw new Error('gone');
      },
    });
    await assert.rejects(write(() => db.prepare('INSERT INTO t VALUES (1)').run()), /gone/);
    assert.equal(db.inTransaction, false);
    refuse = false;
    await write(() => db.prepare('INSERT INTO t VALUES (1)').run());
    assert.deepEqual(db.prepare('SELECT v FROM t').pluck().all(), [1]);
  });
});

/** Two connections to one file: `other` stands for another process (another `--workers` worker). */
function shared(busyTimeoutMs = 5000, options: GroupCommitOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-group-commit-'));
  const file = join(dir, 'shared.db');
  const other = new Database(file);
  other.pragma('journal_mode = WAL');
  other.exec('CREATE TABLE t (v INTEGER PRIMARY KEY)');
  const db = new Database(file);
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  const close = () => {
    db.close();
    other.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { db, other, close, ...createGroupCommit(db, options) };
}

/** Lets the event loop run `n` turns (their setImmediate callbacks), and no timer when timers are mocked. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Whether `promise` has settled by the time the event loop has run a few turns. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(() => (done = true), () => (done = true));
  await turns(5);
  return done;
}

describe('SQLite group commit, with another process writing to the same file', () => {
  it('a write waiting for the write lock does not block the event loop: it waits, queued, and commits once the lock is free', async () => {
    const { db, other, write, close } = shared();
    other.exec('BEGIN IMMEDIATE');
    // SQLite's busy handler would sleep on this thread here (up to busy_timeout) and then fail.
    const first = write(() => db.prepare('INSERT INTO t VALUES (1)').run().changes);
    const second = write(() => db.prepare('INSERT INTO t VALUES (2)').run().changes);
    assert.equal(await settled(first), false, 'the write waits while the other process holds the lock');
    assert.equal(db.inTransaction, false);
    other.exec('COMMIT');
    assert.deepEqual(await Promise.all([first, second]), [1, 1]);
    assert.deepEqual(db.prepare('SELECT v FROM t ORDER BY v').all(), [{ v: 1 }, { v: 2 }]);
    close();
  });

  it('the write lock is held only while the batch runs and commits, not from the first write to the end of the turn', async () => {
    const { db, other, write, close } = shared();
    other.pragma('busy_timeout = 0');
    const pending = write(() => db.prepare('INSERT INTO t VALUES (1)').run().changes);
    // The other process writes between this one's write() and the end of its turn (no SQLITE_BUSY).
    other.exec('BEGIN IMMEDIATE');
    other.prepare('INSERT INTO t VALUES (2)').run();
    other.exec('COMMIT');
    assert.equal(await pending, 1);
    assert.deepEqual(db.prepare('SELECT v FROM t ORDER BY v').pluck().all(), [1, 2]);
    close();
  });

  it('queued writes keep their order, and a failing one fails only its caller', async () => {
    const { db, other, write, close } = shared();
    other.exec('BEGIN IMMEDIATE');
    const insert = (v: number) => write(() => db.prepare('INSERT INTO t VALUES (?)').run(v).changes);
    const results = [insert(1), insert(1), insert(2)];
    other.exec('COMMIT');
    const [first, clash, third] = await Promise.allSettled(results);
    assert.deepEqual([first?.status, clash?.status, third?.status], ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(db.prepare('SELECT v FROM t ORDER BY v').all(), [{ v: 1 }, { v: 2 }]);
    close();
  });

  it('a lock held past the connection\'s busy_timeout fails the waiting writes with SQLITE_BUSY, as SQLite would', async () => {
    const { db, other, write, close } = shared(20);
    other.exec('BEGIN IMMEDIATE');
    await assert.rejects(write(() => db.prepare('INSERT INTO t VALUES (1)').run()), { code: 'SQLITE_BUSY' });
    other.exec('ROLLBACK');
    // The next write takes the lock again.
    assert.equal(await write(() => db.prepare('INSERT INTO t VALUES (1)').run().changes), 1);
    close();
  });

  it('a batch waiting for the lock asks for it once a millisecond, not at every turn (a waiting process does not spin)', async (t) => {
    // Date and timers stand still but for tick(): turns of the event loop alone must not ask again.
    t.mock.timers.enable({ apis: ['Date', 'setTimeout'] });
    let asked = 0;
    const { db, other, write, close } = shared(5000, { beforeBatch: () => asked++ });
    other.exec('BEGIN IMMEDIATE');
    const pending = write(() => db.prepare('INSERT INTO t VALUES (1)').run().changes);
    await turns(10);
    assert.equal(asked, 1, 'asked once, at the end of the first turn');
    t.mock.timers.tick(1);
    assert.equal(asked, 2, 'asked again a millisecond later');
    await turns(10);
    assert.equal(asked, 2, 'not at every turn in between');
    other.exec('ROLLBACK');
    t.mock.timers.tick(1);
    assert.equal(await pending, 1);
    close();
  });

  it('flush waits for the lock and commits what was queued (closing the store loses no write)', async () => {
    const { db, other, write, flush, close } = shared();
    other.exec('BEGIN IMMEDIATE');
    const pending = write(() => db.prepare('INSERT INTO t VALUES (5)').run().changes);
    other.exec('COMMIT');
    flush();
    assert.equal(db.inTransaction, false);
    assert.equal(await pending, 1);
    close();
  });
});
