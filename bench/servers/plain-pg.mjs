/**
 * The PostgreSQL limit: pg's Pool (10 connections, tollgate's default), one named INSERT per token
 * (autocommit: durable when answered) and one named indexed SELECT per bearer check, in a schema of
 * its own dropped on exit.
 *   node plain-pg.mjs --url postgres://…
 */
import pg from 'pg';
import { flag } from './fixture.mjs';
import { servePlainStore } from './plain-store.mjs';

const pool = new pg.Pool({ connectionString: flag('url', 'postgres://127.0.0.1:5432/test'), max: Number(flag('pool', '10')) });
const schema = `plain_${process.pid}`;
await pool.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.access_tokens (hash text PRIMARY KEY, expires_at timestamptz NOT NULL, data jsonb NOT NULL)`);
const insert = `INSERT INTO ${schema}.access_tokens (hash, expires_at, data) VALUES ($1, $2, $3)`;
const select = `SELECT expires_at, data FROM ${schema}.access_tokens WHERE hash = $1`;

servePlainStore({
  name: 'plain node:http + PostgreSQL',
  async save(hash, record, expiresAt) {
    await pool.query({ name: 'insert', text: insert, values: [hash, new Date(expiresAt), JSON.stringify(record)] });
  },
  async find(hash) {
    const row = (await pool.query({ name: 'select', text: select, values: [hash] })).rows[0];
    return row && { expiresAt: row.expires_at.getTime(), record: row.data };
  },
  async close() {
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await pool.end();
  },
});
