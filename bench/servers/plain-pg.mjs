/**
 * The PostgreSQL limit: pg's Pool (10 connections, tollgate's default; `--pool N`), in a schema of its
 * own dropped on exit. One named INSERT per token (autocommit: durable when answered), one named
 * indexed SELECT per bearer check; a code exchange or refresh rotation is one `DELETE … RETURNING`
 * (the atomic single use) and one INSERT of the new pair's two rows.
 *   node plain-pg.mjs --url postgres://… [--pool N]
 */
import pg from 'pg';
import { flag } from './fixture.mjs';
import { servePlainStore } from './plain-store.mjs';

const pool = new pg.Pool({ connectionString: flag('url', 'postgres://127.0.0.1:5432/test'), max: Number(flag('pool', '10')) });
const schema = `plain_${process.pid}`;
await pool.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.tokens (hash text PRIMARY KEY, kind text NOT NULL, expires_at timestamptz NOT NULL, data jsonb NOT NULL)`);
const insert = `INSERT INTO ${schema}.tokens (hash, kind, expires_at, data) VALUES ($1, 'at', $2, $3)`;
const insertAll = `INSERT INTO ${schema}.tokens (hash, kind, expires_at, data) SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::jsonb[])`;
const select = `SELECT expires_at, data FROM ${schema}.tokens WHERE hash = $1 AND kind = 'at'`;
const take = `DELETE FROM ${schema}.tokens WHERE hash = $1 AND kind = $2 RETURNING expires_at, data`;

const found = (row) => row && { expiresAt: row.expires_at.getTime(), record: row.data };

servePlainStore({
  name: 'plain node:http + PostgreSQL',
  async save(hash, record, expiresAt) {
    await pool.query({ name: 'insert', text: insert, values: [hash, new Date(expiresAt), JSON.stringify(record)] });
  },
  async find(hash) {
    return found((await pool.query({ name: 'select', text: select, values: [hash] })).rows[0]);
  },
  async saveAll(rows) {
    const values = [rows.map((r) => r.hash), rows.map((r) => r.kind), rows.map((r) => new Date(r.expiresAt)), rows.map((r) => JSON.stringify(r.record))];
    await pool.query({ name: 'insert_all', text: insertAll, values });
  },
  async take(kind, hash) {
    return found((await pool.query({ name: 'take', text: take, values: [hash, kind] })).rows[0]);
  },
  async close() {
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await pool.end();
  },
});
