import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { storeContract } from '../../src/testing/index.js';
import { createSqliteStore } from '../../src/stores/sqlite.js';
import { randomToken } from '../../src/secrets.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const filename = join(dir, 'contract.db');

/** Every row of every table, read through a second connection as another process would see it. */
function dump(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    return JSON.stringify(tables.map(({ name }) => db.prepare(`SELECT * FROM "${name}"`).all()));
  } finally {
    db.close();
  }
}

storeContract('sqlite store', () => createSqliteStore({ filename }), { rawContents: async () => dump(filename) });

describe('sqlite store, durability', () => {
  it('puts the file in WAL mode, so readers never block the writer', async () => {
    const file = join(dir, 'pragmas.db');
    const store = await createSqliteStore({ filename: file });
    try {
      // journal_mode is stored in the file; synchronous=FULL is per connection and not visible from here.
      const db = new Database(file);
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      db.close();
    } finally {
      await store.close();
    }
  });

  it('keeps tokens, consumed codes and users across a reopen, and migrates only once', async () => {
    const file = join(dir, 'reopen.db');
    const first = await createSqliteStore({ filename: file });
    const client = await first.saveClient({ client_id: 'c', redirect_uris: [], grant_types: ['password'] });
    const user = await first.saveUser({ username: 'admin', password: 'tiger' });
    const accessToken = randomToken();
    await first.saveToken(
      { accessToken, accessTokenExpiresAt: new Date(Date.now() + 60_000), scope: [], client, user, grantId: 'g' },
      client,
      user,
    );
    await first.close();

    const second = await createSqliteStore({ filename: file });
    try {
      assert.ok(await second.getAccessToken(accessToken));
      assert.deepEqual(await second.getUser('admin', 'tiger', client), user);
    } finally {
      await second.close();
    }
  });

  it('counts the expired rows it sweeps', async () => {
    const store = await createSqliteStore({ filename: ':memory:' });
    try {
      const client = await store.saveClient({ client_id: 'c', redirect_uris: [], grant_types: ['password'] });
      const past = new Date(Date.now() - 1000);
      const base = { scope: [], client, user: { id: 'u' }, grantId: 'g' };
      await store.saveToken({ ...base, accessToken: 'a', accessTokenExpiresAt: past, refreshToken: 'r', refreshTokenExpiresAt: past }, client, {});
      await store.saveAuthorizationCode({ ...base, authorizationCode: 'c', expiresAt: past }, client, {});
      assert.equal(await store.sweepExpired(), 3);
      assert.equal(await store.sweepExpired(), 0);
    } finally {
      await store.close();
    }
  });
});
