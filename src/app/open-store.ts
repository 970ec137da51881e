/** Opens the store a config names: `memory`, `sqlite:<path>`, `postgres://…` or `redis://…`. Drivers load only when used. */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Store } from '../index.js';
import { createMemoryStore } from '../stores/memory.js';

export async function openStore(spec: string): Promise<Store> {
  if (spec === 'memory') return createMemoryStore();
  if (spec.startsWith('sqlite:')) {
    const filename = spec.slice('sqlite:'.length);
    if (filename !== ':memory:') await mkdir(dirname(resolve(filename)), { recursive: true });
    const { createSqliteStore } = await import('../stores/sqlite.js');
    return createSqliteStore({ filename });
  }
  if (spec.startsWith('postgres://') || spec.startsWith('postgresql://')) {
    const { createPostgresStore } = await import('../stores/postgres.js');
    return createPostgresStore({ connectionString: spec });
  }
  const { createRedisStore } = await import('../stores/redis.js');
  return createRedisStore({ url: spec });
}
