import type { Redis } from 'ioredis';

/**
 * Ends a connection: QUIT when it is live, so replies under way still arrive; without one, or when it
 * is lost on the way, it just stops reconnecting. Closing a store never fails because Redis is gone.
 */
export async function endConnection(connection: Redis): Promise<void> {
  if (connection.status === 'ready') await connection.quit().catch(() => connection.disconnect());
  else connection.disconnect();
}
