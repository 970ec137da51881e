/**
 * WAL checkpoints in a worker thread (src/stores/sqlite-checkpointer.ts): the tokens reach the
 * database file while the serving connection never checkpoints on its own, the log stays bounded
 * under a steady stream of writes (against a control where it grows), and a store opened and closed
 * at once, or left open at exit, ends its process cleanly on every supported Node (a worker's
 * teardown is where an earlier attempt, on better-sqlite3 12, aborted Node 24 in CI).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startCheckpointer } from '../../src/stores/sqlite-checkpointer.js';
import { createSqliteStore } from '../../src/stores/sqlite.js';
import { randomToken } from '../../src/secrets.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-checkpointer-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const driver = createRequire(import.meta.url).resolve('better-sqlite3');

const sizeOf = (file: string): number => statSync(file, { throwIfNoEntry: false })?.size ?? 0;

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A serving connection that never checkpoints, writing `rounds` transactions of rows (one per
 * event-loop turn, as the group commit does), with a checkpointer that rewinds the log once it passes
 * 64 frames (or never, for the control). Answers the WAL file's size at the end.
 */
async function steadyWrites(name: string, rewinds: boolean): Promise<{ walBytes: number; dbBytes: number }> {
  const file = join(dir, `${name}.db`);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE rows (id TEXT PRIMARY KEY, data TEXT NOT NULL)');
  const insert = db.prepare<[string, string]>('INSERT INTO rows VALUES (?, ?)');
  const batch = db.transaction((count: number) => {
    for (let i = 0; i < count; i++) insert.run(randomToken(), 'x'.repeat(300));
  });
  const checkpointer = await startCheckpointer({
    filename: file,
    driver,
    synchronous: 'NORMAL',
    intervalMs: 5,
    rewindFrames: rewinds ? 64 : Number.MAX_SAFE_INTEGER,
    onFailure: (error) => assert.fail(String(error)),
  });
  try {
    // 8 MiB of rows, far past 64 frames of log. Between two batches the thread is busy for 0.1 ms, as
    // a server parsing and answering the next requests is, then lets a turn pass: a commit lands
    // during every checkpoint, so no PASSIVE one ever catches up with the log. (With a millisecond's
    // sleep between batches, or 0.3 ms of work, the worker's second PASSIVE checkpoint sometimes did,
    // and the test could not always tell whether the FULL one works.)
    for (let round = 0; round < 1000; round++) {
      batch(20);
      const busyUntil = performance.now() + 0.1;
      while (performance.now() < busyUntil);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { walBytes: sizeOf(`${file}-wal`), dbBytes: sizeOf(file) };
  } finally {
    await checkpointer.stop();
    db.close();
  }
}

describe('sqlite store, checkpoints in a worker thread', () => {
  it('the tokens reach the database file from the worker, below the threshold where SQLite would checkpoint on the serving connection', async () => {
    const file = join(dir, 'store.db');
    const store = await createSqliteStore({ filename: file });
    try {
      const client = await store.saveClient({ client_id: 'c', client_secret: 's', redirect_uris: [], grant_types: ['client_credentials'] });
      const before = sizeOf(file);
      // 200 tokens are about 270 log frames, under SQLite's own wal_autocheckpoint of 1000: without the
      // worker, nothing would copy them into the database file while the store is open.
      await Promise.all(
        Array.from({ length: 200 }, () =>
          store.saveToken(
            { accessToken: randomToken(), accessTokenExpiresAt: new Date(Date.now() + 60_000), scope: ['read'], client, user: { id: 'u' }, grantId: randomToken() },
            client,
            { id: 'u' },
          ),
        ),
      );
      await until(() => sizeOf(file) > before + 32 * 1024, 'the worker copies the tokens into the database file');
    } finally {
      await store.close();
    }
  });

  it('the log starts over under a steady stream of writes, the serving connection running no checkpoint: bounded with the rewind, growing without it (the control)', async () => {
    const bounded = await steadyWrites('rewound', true);
    const control = await steadyWrites('control', false);
    // Both copied the log into the database file; only the rewound one wrote its log from the start again.
    assert.ok(bounded.dbBytes > 6 * 1024 * 1024 && control.dbBytes > 6 * 1024 * 1024, `the worker checkpointed both (${bounded.dbBytes}, ${control.dbBytes} bytes)`);
    // The log file keeps the size it once reached. Without rewinds every commit's pages are appended
    // (about 110 MiB measured, and as much with the worker's FULL checkpoint taken out); with them,
    // 5.5 to 8 MiB. With both cores busy with other work, pauses in the writes let PASSIVE checkpoints
    // catch up now and then: 30 to 58 MiB without rewinds, 7 to 12.6 MiB with them.
    assert.ok(bounded.walBytes < 16 * 1024 * 1024, `with rewinds the log stays small (${bounded.walBytes} bytes)`);
    assert.ok(control.walBytes > 2.5 * bounded.walBytes, `without rewinds the log grows further (${control.walBytes} against ${bounded.walBytes} bytes)`);
  });

  it('refuses to start on a file that does not exist, naming it', async () => {
    const missing = join(dir, 'missing.db');
    await assert.rejects(
      startCheckpointer({ filename: missing, driver, synchronous: 'FULL', onFailure() {} }),
      (error: Error) => error.message.includes(missing),
    );
  });

  it('a store opened and closed at once, or left open at exit, ends its process cleanly, from an ES module entry too', () => {
    const script = `
      import { createSqliteStore } from ${JSON.stringify(new URL('../../src/stores/sqlite.ts', import.meta.url).href)};
      for (let i = 0; i < 8; i++) await (await createSqliteStore({ filename: ${JSON.stringify(dir)} + '/quick-' + i + '.db' })).close();
      await createSqliteStore({ filename: ${JSON.stringify(dir)} + '/left-open.db' });
      process.exit(0);
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(child.stderr, '');
    assert.equal(child.status, 0, `exit status ${child.status} (signal ${child.signal})`);
  });
});
