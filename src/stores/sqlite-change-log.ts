/**
 * What other connections changed in the rows this connection keeps in memory (sqlite-read-cache.ts).
 *
 * `PRAGMA data_version` says only that another connection committed, not what: a cache that forgot
 * everything at each such commit was nearly useless under `--workers`, where the other worker commits
 * new tokens many times a second (issue 17). So the schema logs, by trigger, in the writing
 * transaction itself, the key of every row a cache could be holding that changes or goes: an
 * unexpired access token deleted or updated, a client inserted, updated or deleted. A new token
 * logs nothing (no cache can hold a row before it exists), nor does the sweep of expired tokens (a
 * cached expired token is refused for its expiry). When `data_version` moves, the connection reads
 * the log from where it last stopped and forgets exactly those keys.
 *
 * The log's `seq` is AUTOINCREMENT: numbers are never reused and a rolled-back transaction gives its
 * numbers back, so the rows since a connection's last look are exactly `last + 1 … top`. The log is
 * pruned from its oldest end; when the rows found are fewer than that span, some were pruned before
 * this connection read them, and every watcher forgets everything, as before the log.
 */
import type { Database } from 'better-sqlite3';

/** A table whose changed rows are logged, its key column, and for token tables the expiry column. */
export interface LoggedTable {
  table: string;
  key: string;
  /** Deletes of rows already expired by this column (milliseconds) are not logged: the sweep's. */
  expiresAt?: string;
}

/**
 * Past this many changes since a connection's last look, it forgets everything instead of reading
 * them; so the log keeps no more than the latest this many rows for it (`prune`).
 */
export const CATCH_UP_LIMIT = 4096;

const LOG = 'cache_changes';

/**
 * The log table and its triggers, for a schema migration. Each statement may run again on a file that
 * has them (an earlier release, started on the file in between, set its schema version back).
 */
export function changeLogSchema(tables: readonly LoggedTable[]): string {
  const log = (table: string, row: 'OLD' | 'NEW', key: string) => `INSERT INTO ${LOG} (tbl, key) VALUES ('${table}', ${row}.${key});`;
  return [
    `CREATE TABLE IF NOT EXISTS ${LOG} (seq INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, key TEXT NOT NULL) STRICT;`,
    ...tables.flatMap(({ table, key, expiresAt }) => {
      // unixepoch('subsec') is fixed for the whole statement, as the sweep's `now` is for its batch.
      const live = expiresAt === undefined ? '' : ` WHEN OLD.${expiresAt} > unixepoch('subsec') * 1000`;
      const triggers = [
        `CREATE TRIGGER IF NOT EXISTS ${table}_logged_delete AFTER DELETE ON ${table}${live} BEGIN ${log(table, 'OLD', key)} END;`,
        `CREATE TRIGGER IF NOT EXISTS ${table}_logged_update AFTER UPDATE ON ${table} BEGIN ${log(table, 'OLD', key)} ${log(table, 'NEW', key)} END;`,
      ];
      // A token table's REPLACE shows as the delete of the row it replaces (recursive_triggers, below);
      // a table without expiry logs its inserts, so a REPLACE from a connection without it still shows.
      if (expiresAt === undefined) triggers.push(`CREATE TRIGGER IF NOT EXISTS ${table}_logged_insert AFTER INSERT ON ${table} BEGIN ${log(table, 'NEW', key)} END;`);
      return triggers;
    }),
  ].join('\n');
}

/** What a watcher is told: a key of its table changed, or something it cannot name did. */
export interface ChangeWatcher {
  changed(key: string): void;
  everything(): void;
}

export interface ChangeLog {
  /** Whoever keeps rows of `table` (or values joined with it) in memory. */
  watch(table: string, watcher: ChangeWatcher): void;
  /**
   * One `data_version` read; when another connection has committed since the last call, the logged
   * changes are handed to their watchers before this returns. True when they were: only then can a
   * watcher have forgotten anything.
   */
  catchUp(): boolean;
  /** Deletes the rows no connection needs any more (run with the sweep, inside a write). */
  prune(): void;
}

export function createChangeLog(db: Database): ChangeLog {
  // Without it, REPLACE removes a clashing row without firing its DELETE trigger.
  db.pragma('recursive_triggers = ON');
  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  const top = db.prepare<[], number>(`SELECT seq FROM sqlite_sequence WHERE name = '${LOG}'`).pluck();
  const since = db.prepare<[number, number], [string, string]>(`SELECT tbl, key FROM ${LOG} WHERE seq > ? AND seq <= ?`).raw();
  const prune = db.prepare<[number]>(`DELETE FROM ${LOG} WHERE seq <= ?`);
  const watchers = new Map<string, ChangeWatcher[]>();
  const everyone = (): void => watchers.forEach((list) => list.forEach((w) => w.everything()));

  // The version first: a commit after it shows as a new version, whose changes the next call reads.
  let version = dataVersion.get();
  let seen = top.get() ?? 0;

  return {
    watch(table, watcher) {
      watchers.set(table, [...(watchers.get(table) ?? []), watcher]);
    },
    catchUp() {
      const now = dataVersion.get();
      if (now === version) return false;
      version = now;
      const last = top.get() ?? 0;
      const count = last - seen;
      const rows = count > 0 && count <= CATCH_UP_LIMIT ? since.all(seen, last) : [];
      seen = last;
      // Fewer rows than numbers: the oldest were pruned before this connection read them.
      if (rows.length !== count) everyone();
      else for (const [table, key] of rows) watchers.get(table)?.forEach((w) => w.changed(key));
      return true;
    },
    prune() {
      const last = top.get() ?? 0;
      if (last > CATCH_UP_LIMIT) prune.run(last - CATCH_UP_LIMIT);
    },
  };
}
