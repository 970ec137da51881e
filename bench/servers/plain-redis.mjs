/**
 * The Redis limit: ioredis, one `SET … PXAT` per token (the key expires with the token, as
 * tollgate's store keys do) and one `GET` per bearer check, under a key prefix of its own deleted on exit.
 *   node plain-redis.mjs --url redis://…
 */
import { Redis } from 'ioredis';
import { deleteRedisPrefix, flag } from './fixture.mjs';
import { servePlainStore } from './plain-store.mjs';

const redis = new Redis(flag('url', 'redis://127.0.0.1:6379'));
const prefix = `plain:${process.pid}:`;

servePlainStore({
  name: 'plain node:http + Redis',
  async save(hash, record, expiresAt) {
    await redis.set(`${prefix}at:${hash}`, JSON.stringify({ expiresAt, record }), 'PXAT', expiresAt);
  },
  async find(hash) {
    const json = await redis.get(`${prefix}at:${hash}`);
    return json === null ? undefined : JSON.parse(json);
  },
  async close() {
    await redis.quit();
    await deleteRedisPrefix(flag('url', 'redis://127.0.0.1:6379'), prefix);
  },
});
