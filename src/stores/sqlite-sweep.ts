/**
 * The SQLite store's sweep of expired rows, in paced batches. One DELETE of every expired row held
 * the event loop for as long as it took (better-sqlite3 is synchronous): 6.6 s for the 500k rows the
 * bench's growth curve expires at 1M tokens. Here each batch is one write of the group commit, and
 * the sweep waits as long as a batch took before the next, so requests are answered throughout:
 * measured on that curve, the same sweep took about 50 s while tokens were still issued at about
 * 60 % of the rate without one.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Database } from 'better-sqlite3';
import type { GroupCommit } from './sqlite-group-commit.js';
import { oneAtATime } from './one-at-a-time.js';

/**
 * Expired rows one batch deletes: a few milliseconds of the event loop. Each row dirties a random page
 * of its table's hash index, so a batch's commit weighs more than a turn of new tokens.
 */
export const SWEEP_BATCH = 500;

/** Each table with an expiry, and the column its expiry index leads back to (`hash` in a WITHOUT ROWID table). */
const SWEPT = [
  ['access_tokens', 'rowid'],
  ['refresh_tokens', 'rowid'],
  ['authorization_codes', 'rowid'],
  ['used_once', 'hash'],
  ['state_records', 'hash'],
] as const;

/**
 * `sweepExpired` for a store on `db`: resolves with how many rows went; a call while one runs joins it.
 * `prune`, run in the first batch, deletes what else no one needs any more (the change log's old rows).
 */
export function createSqliteSweep(db: Database, write: GroupCommit['write'], prune: () => void): () => Promise<number> {
  // The subquery form needs no `DELETE … LIMIT` (an optional SQLite build flag); both use the expiry index.
  const statements = SWEPT.map(([table, key]) =>
    db.prepare<[number, number]>(`DELETE FROM ${table} WHERE ${key} IN (SELECT ${key} FROM ${table} WHERE expires_at <= ? LIMIT ?)`),
  );
  /** Deletes up to SWEEP_BATCH rows expired at `now`, table after table; returns how many went. */
  const batch = (now: number): number => {
    let left = SWEEP_BATCH;
    for (const statement of statements) {
      if (left === 0) break;
      left -= statement.run(now, left).changes;
    }
    return SWEEP_BATCH - left;
  };
  return oneAtATime(async () => {
    const now = Date.now();
    let swept = 0;
    for (let first = true; ; first = false) {
      const started = performance.now();
      const deleted = await write(() => {
        if (first) prune();
        return batch(now);
      });
      swept += deleted;
      if (deleted < SWEEP_BATCH) return swept;
      // As long again before the next batch: the sweep takes at most about half the writer's time.
      await delay(performance.now() - started);
      // A sweep under way when the store closes ends there; what is left waits for the next one.
      if (!db.open) return swept;
    }
  });
}
