/**
 * The SQLite store's durability setting, apart from the store so that `tollgate serve`'s config check
 * reads it without loading better-sqlite3.
 */

/**
 * How each commit reaches the disk (SQLite's `PRAGMA synchronous`, the database in WAL mode):
 * - `full` (the default): the WAL is synced at every commit, so a token answered with 200 survives a
 *   crash of the process, a crash of the operating system and a power loss.
 * - `normal`: the WAL is synced only at checkpoints. A committed token survives a crash of the
 *   process, but the last commits before a power loss or an operating-system crash may be lost
 *   (https://www.sqlite.org/pragma.html#pragma_synchronous, "WAL mode with synchronous=NORMAL").
 */
export type SqliteSynchronous = 'full' | 'normal';

const VALUES: readonly string[] = ['full', 'normal'] satisfies SqliteSynchronous[];

/** Returns `value` as a setting, or throws an Error saying, under `name`, which values there are. */
export function sqliteSynchronous(value: unknown, name: string): SqliteSynchronous {
  if (typeof value === 'string' && VALUES.includes(value)) return value as SqliteSynchronous;
  throw new Error(`${name} must be "full" or "normal", not ${JSON.stringify(value)?.slice(0, 40) ?? String(value)}`);
}
