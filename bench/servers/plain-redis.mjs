/**
 * The Redis limit: ioredis, one `SET … PXAT` per token (the key expires with the token, as
 * tollgate's store keys do) and one `GET` per bearer check; a code exchange or refresh rotation is
 * one `GETDEL` (the atomic single use) and the new pair's two `SET`s in one pipeline. Under a key
 * prefix of its own deleted on exit.
 *   node plain-redis.mjs --url redis://…
 */
import { Redis } from 'ioredis';
import { deleteRedisPrefix, flag } from './fixture.mjs';
import { servePlainStore } from './plain-store.mjs';

const redis = new Redis(flag('url', 'redis://127.0.0.1:6379'));
const prefix = `plain:${process.pid}:`;

const parsed = (json) => (json === null ? undefined : JSON.parse(json));

servePlainStore({
  name: 'plain node:http + Redis',
  async save(hash, record, expiresAt) {
    await redis.set(`${prefix}at:${hash}`, JSON.stringify({ expiresAt, record }), 'PXAT', expiresAt);
  },
  async find(hash) {
    return parsed(await redis.get(`${prefix}at:${hash}`));
  },
  async saveAll(rows) {
    const pipeline = redis.pipeline();
    for (const { kind, hash, record, expiresAt } of rows) pipeline.set(`${prefix}${kind}:${hash}`, JSON.stringify({ expiresAt, record }), 'PXAT', expiresAt);
    for (const [err] of await pipeline.exec()) if (err) throw err;
  },
  async take(kind, hash) {
    return parsed(await redis.getdel(`${prefix}${kind}:${hash}`));
  },
  async close() {
    await redis.quit();
    await deleteRedisPrefix(flag('url', 'redis://127.0.0.1:6379'), prefix);
  },
});
