import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { createGroupCommit } from '../../src/stores/sqlite-group-commit.js';

function setup() {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (v INTEGER PRIMARY KEY)');
  return { db, ...createGroupCommit(db) };
}

describe('SQLite group commit', () => {
  it('writes made in one turn share one transaction, settled only after it commits', async () => {
    const { db, write } = setup();
    const results = [1, 2, 3].map((v) => write(() => db.prepare('INSERT INTO t VALUES (?)').run(v).changes));
    // Nothing is committed, or answered, before the turn ends.
    assert.equal(db.inTransaction, true);
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
