import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { storeContract } from '../../src/testing/index.js';
import { createPostgresStore } from '../../src/stores/postgres.js';
import { POSTGRES_URL, serviceAvailable } from '../helpers/services.js';

if (await serviceAvailable('PostgreSQL', POSTGRES_URL)) {
  // One schema per run, so parallel runs and earlier leftovers never meet; dropped at the end.
  const schema = `tollgate_test_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
  const schemas = [schema, `${schema}_migrations`];
  after(async () => {
    for (const name of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(name)} CASCADE`);
    await admin.end();
  });

  /** Every row of every table in the schema, through a connection of its own. */
  async function dump(): Promise<string> {
    const { rows: tables } = await admin.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
      [schema],
    );
    const contents = [];
    for (const { table_name } of tables) {
      const { rows } = await admin.query(`SELECT * FROM ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table_name)}`);
      contents.push(rows);
    }
    return JSON.stringify(contents);
  }

  // A pool of several connections, so the contract's races run on different backends at once.
  storeContract('postgres store', () => createPostgresStore({ connectionString: POSTGRES_URL, schema, poolSize: 8 }), {
    rawContents: dump,
  });

  describe('postgres store, migrations', () => {
    it('lets several processes start at once on a new schema, migrating it exactly once', async () => {
      const target = schemas[1] as string;
      const stores = await Promise.all(
        Array.from({ length: 4 }, () => createPostgresStore({ connectionString: POSTGRES_URL, schema: target, poolSize: 2 })),
      );
      try {
        const { rows } = await admin.query(`SELECT version FROM ${pg.escapeIdentifier(target)}.tollgate_migrations`);
        assert.deepEqual(rows, [{ version: 1 }]);
        const again = await createPostgresStore({ connectionString: POSTGRES_URL, schema: target });
        await again.close();
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    });
  });
}
