/**
 * Recent positive look-ups of one SQLite table, answered from memory only while the database provably
 * holds the same rows (issue 17: a bearer check at `tollgate serve` on SQLite took about twice the CPU
 * of one on the memory store, 63 against 31 µs).
 *
 * Revocation stays immediate on every connection sharing the file:
 * - another connection's commit (another `--workers` process, a `tollgate grants revoke` from the
 *   CLI) changes `PRAGMA data_version` on this one; every hit reads it first, and a changed version
 *   makes the cache forget the keys the schema's change log names (sqlite-change-log.ts), or
 *   everything when the log cannot name them all, before the row is read again;
 * - this connection's own writes do not change it, so TEMP triggers (private to this connection)
 *   forget a row the moment a statement inserts, updates or deletes it, whichever method wrote it,
 *   and forget everything when a table the cached rows join (the clients) changes.
 *
 * A miss costs what a look-up cost before (one indexed read, no extra statement); a hit, one
 * `data_version` read instead of the indexed read and the JSON parsing. At most `capacity` keys are
 * kept, the oldest leaving first.
 */
import type { Database } from 'better-sqlite3';
import type { ChangeLog } from './sqlite-change-log.js';

export interface ReadCacheOptions {
  /** The table whose rows are cached, and its key column. */
  table: string;
  key: string;
  /** Tables the cached values are joined with: any write to one empties the cache. */
  joined: readonly string[];
  /** Names the connection's SQL functions and triggers (unique per connection). */
  name: string;
  capacity: number;
}

export interface ReadCache<V> {
  /**
   * `key`'s value: from memory when the database has not changed since it was read, else from
   * `load(key)` (a function made once, not one closure per look-up on the hot path).
   */
  lookup(key: string, load: (key: string) => V | undefined): V | undefined;
}

/** `log`: this connection's view of the schema's change log, which must log `table` and each `joined` table. */
export function createReadCache<V>(db: Database, log: ChangeLog, options: ReadCacheOptions): ReadCache<V> {
  const { table, key, joined, name, capacity } = options;
  const entries = new Map<string, V>();
  const forgetAll = (): void => entries.clear();
  log.watch(table, { changed: (k) => entries.delete(k), everything: forgetAll });
  for (const other of joined) log.watch(other, { changed: forgetAll, everything: forgetAll });

  // SQLite calls these from this connection's triggers, inside the writing statement.
  db.function(`${name}_forget`, { deterministic: false }, (value: unknown) => {
    if (typeof value === 'string') entries.delete(value);
    return null;
  });
  db.function(`${name}_clear`, { deterministic: false }, () => {
    entries.clear();
    return null;
  });
  // REPLACE removes a clashing row without firing DELETE triggers: INSERT forgets its key too.
  const onRow = {
    insert: `${name}_forget(NEW.${key})`,
    update: `${name}_forget(OLD.${key}), ${name}_forget(NEW.${key})`,
    delete: `${name}_forget(OLD.${key})`,
  };
  const trigger = (on: string, event: keyof typeof onRow, action: string) =>
    `CREATE TEMP TRIGGER ${name}_${on}_${event} AFTER ${event.toUpperCase()} ON main.${on} BEGIN SELECT ${action}; END;`;
  const events = Object.keys(onRow) as (keyof typeof onRow)[];
  const triggers = [
    ...events.map((event) => trigger(table, event, onRow[event])),
    ...joined.flatMap((other) => events.map((event) => trigger(other, event, `${name}_clear()`))),
  ];
  db.exec(triggers.join('\n'));

  function keep(k: string, value: V): void {
    entries.set(k, value);
    if (entries.size > capacity) entries.delete(entries.keys().next().value as string);
  }

  return {
    lookup(k, load) {
      const cached = entries.get(k);
      // What other connections changed since the last look is forgotten first, `k` perhaps among it.
      if (cached !== undefined && (!log.catchUp() || entries.has(k))) return cached;
      // Safe to keep without reading the version again: this read comes after the version was last
      // read, so a commit by another connection since then shows at the next hit, in the log.
      const value = load(k);
      if (value !== undefined) keep(k, value);
      return value;
    },
  };
}
