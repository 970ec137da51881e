/** The config's `sqlite:<path>` store and its `?synchronous=` durability setting (docs/stores.md). */
import { after, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError } from '../../src/index.js';
import { validateConfig } from '../../src/app/config.js';
import { openStore, parseStoreSpec } from '../../src/app/open-store.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-sqlite-spec-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('sqlite: store specs', () => {
  test('a bare path is the file, with the default durability (FULL)', () => {
    assert.deepEqual(parseStoreSpec('sqlite:./data/tollgate.db'), { kind: 'sqlite', filename: './data/tollgate.db' });
  });

  test('?synchronous=normal or full is taken off the path', () => {
    assert.deepEqual(parseStoreSpec('sqlite:./data/tollgate.db?synchronous=normal'), { kind: 'sqlite', filename: './data/tollgate.db', synchronous: 'normal' });
    assert.deepEqual(parseStoreSpec('sqlite:/var/lib/tollgate.db?synchronous=full'), { kind: 'sqlite', filename: '/var/lib/tollgate.db', synchronous: 'full' });
  });

  const bad: Array<[string, string]> = [
    ['sqlite:./data/tollgate.db?synchronous=off', 'config.store: ?synchronous= must be "full" or "normal", not "off"'],
    ['sqlite:./data/tollgate.db?synchronous=', 'config.store: ?synchronous= must be "full" or "normal", not ""'],
    ['sqlite:./data/tollgate.db?synchronous=normal&synchronous=full', 'config.store: ?synchronous= is given more than once'],
    ['sqlite:./data/tollgate.db?journal_mode=delete', 'config.store: ?journal_mode= is not a SQLite store parameter (only ?synchronous=full or normal)'],
    ['sqlite:?synchronous=normal', 'config.store: "sqlite:" must be followed by the database file\'s path'],
  ];
  for (const [store, message] of bad) {
    test(`a bad SQLite store spec is one config error line: ${store}`, () => {
      assert.throws(
        () => validateConfig({ store }),
        (err: unknown) => err instanceof ConfigError && err.field === 'config.store' && err.message.endsWith(message) && !err.message.includes('\n'),
      );
    });
  }

  /** Opens the store a spec names and reads `PRAGMA synchronous` on the store's own connection (it is per connection). */
  async function synchronousOf(t: TestContext, spec: string): Promise<number> {
    const connections = new Set<Database.Database>();
    const original = Database.prototype.pragma;
    t.mock.method(Database.prototype, 'pragma', function (this: Database.Database, ...args: Parameters<Database.Database['pragma']>) {
      connections.add(this);
      return original.apply(this, args);
    });
    const store = await openStore(spec);
    t.mock.restoreAll();
    try {
      assert.equal(connections.size, 1);
      return [...connections][0]!.pragma('synchronous', { simple: true }) as number;
    } finally {
      await store.close();
    }
  }

  // PRAGMA synchronous answers 1 for NORMAL, 2 for FULL.
  test('tollgate serve opens the file with synchronous = FULL by default, NORMAL when the spec asks', async (t) => {
    assert.equal(await synchronousOf(t, `sqlite:${join(dir, 'default.db')}`), 2);
    assert.equal(await synchronousOf(t, `sqlite:${join(dir, 'full.db')}?synchronous=full`), 2);
    assert.equal(await synchronousOf(t, `sqlite:${join(dir, 'normal.db')}?synchronous=normal`), 1);
  });
});
