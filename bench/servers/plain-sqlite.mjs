/**
 * The SQLite limit: better-sqlite3, WAL and synchronous=FULL as tollgate's store, the writes of one
 * event-loop turn in one transaction (a token is answered only once committed, so an fsync per
 * request would be the naive limit, not the physical one), reads by a prepared statement.
 * `--synchronous normal` is the limit of the store's `?synchronous=normal` (an fsync per checkpoint,
 * not per commit; docs/stores.md says what a power loss may then lose).
 *   node plain-sqlite.mjs --file <path> [--synchronous full|normal]
 */
import Database from 'better-sqlite3';
import { flag } from './fixture.mjs';
import { servePlainStore } from './plain-store.mjs';

const db = new Database(flag('file', ':memory:'));
db.pragma('journal_mode = WAL');
const synchronous = flag('synchronous', 'full');
if (synchronous !== 'full' && synchronous !== 'normal') throw new Error('--synchronous must be full or normal');
db.pragma(`synchronous = ${synchronous}`);
// Under cluster.mjs two processes share the file: a batch waits for the other's write lock.
db.pragma('busy_timeout = 5000');
db.exec('CREATE TABLE IF NOT EXISTS access_tokens (hash TEXT NOT NULL UNIQUE, expires_at INTEGER NOT NULL, data TEXT NOT NULL) STRICT');
const insert = db.prepare('INSERT INTO access_tokens (hash, expires_at, data) VALUES (?, ?, ?)');
const select = db.prepare('SELECT expires_at AS expiresAt, data FROM access_tokens WHERE hash = ?');

let committed;
function inBatch() {
  if (committed) return committed;
  db.exec('BEGIN IMMEDIATE');
  committed = new Promise((resolve) =>
    setImmediate(() => {
      committed = undefined;
      db.exec('COMMIT');
      resolve();
    }),
  );
  return committed;
}

servePlainStore({
  name: 'plain node:http + SQLite',
  save(hash, record, expiresAt) {
    const done = inBatch();
    insert.run(hash, expiresAt, JSON.stringify(record));
    return done;
  },
  async find(hash) {
    const row = select.get(hash);
    return row && { expiresAt: row.expiresAt, record: JSON.parse(row.data) };
  },
  async close() {
    db.close();
  },
});
