/**
 * Group commit for the SQLite store. A token answered with 200 must be on disk (`synchronous =
 * FULL`), and an fsync per request would make the disk the server's speed limit. So every write made
 * in one turn of the event loop joins one transaction, committed (one fsync) when the turn ends; each
 * caller's promise settles only after that commit, so nothing is answered before it is durable.
 *
 * Several processes may share the file (`tollgate serve --workers N`), and SQLite has one write lock.
 * Waiting for it in SQLite's busy handler would sleep on the event loop (up to 100 ms a try, while the
 * other process takes the lock again and again), stalling every request of the process. So a batch
 * asks for the lock without waiting; when another process holds it, the batch's writes queue, the
 * event loop keeps serving (later writes join the queue), and the lock is asked for again a
 * millisecond later. Once it is taken, the queued writes run in order, in one transaction.
 */
import type { Database } from 'better-sqlite3';

export interface GroupCommit {
  /** Runs `statements` inside the current batch, and resolves with their result once it is committed. */
  write<T>(statements: () => T): Promise<T>;
  /** Commits the open batch at once, waiting for the write lock if it must (before closing the database). */
  flush(): void;
}

export interface GroupCommitOptions {
  /** Runs before each batch begins; throwing refuses the batch's writes (e.g. the database file is gone). */
  beforeBatch?: () => void;
}

interface Queued {
  statements: () => unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** How long a batch waits before asking again for a lock another process holds. */
const RETRY_MS = 1;

function busyError(): Error {
  return Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_BUSY_RECOVERY';
}

export function createGroupCommit(db: Database, options: GroupCommitOptions = {}): GroupCommit {
  // Writes wait for another process's lock as long as the connection's own busy_timeout, then fail with SQLITE_BUSY.
  const busyTimeoutMs = db.pragma('busy_timeout', { simple: true }) as number;
  // Prepared once, like the store's statements: each batch only steps them (db.exec and db.pragma
  // would parse their SQL again every batch).
  const control = {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    // PRAGMA busy_timeout answers a row: run with get, not run.
    noWait: db.prepare('PRAGMA busy_timeout = 0'),
    wait: db.prepare(`PRAGMA busy_timeout = ${busyTimeoutMs}`),
  };
  let batch: { committed: Promise<void>; commit(): void; abort(error: unknown): void } | undefined;
  /** Writes waiting for the write lock, in arrival order; `since` is when the first one began waiting. */
  let waiting: { queue: Queued[]; since: number; timer: NodeJS.Timeout } | undefined;

  /** BEGIN IMMEDIATE takes the write lock now, so another process cannot slip a write in between. */
  function begin(wait: boolean): boolean {
    options.beforeBatch?.();
    if (wait) {
      control.begin.run();
      return true;
    }
    // Without SQLite's busy handler: a lock held elsewhere answers SQLITE_BUSY at once.
    control.noWait.get();
    try {
      control.begin.run();
      return true;
    } catch (error) {
      if (isBusy(error)) return false;
      throw error;
    } finally {
      control.wait.get();
    }
  }

  function open(): NonNullable<typeof batch> {
    let settle!: (error?: unknown) => void;
    const committed = new Promise<void>((resolve, reject) => {
      settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    // Nobody may be awaiting yet when an abort rejects it.
    committed.catch(() => {});
    const current = {
      committed,
      commit() {
        if (batch !== current) return;
        batch = undefined;
        try {
          control.commit.run();
          settle();
        } catch (error) {
          if (db.inTransaction) control.rollback.run();
          settle(error);
        }
      },
      abort(error: unknown) {
        if (batch !== current) return;
        batch = undefined;
        settle(error);
      },
    };
    setImmediate(current.commit);
    return current;
  }

  /** Runs `statements` in the open batch (taking the lock first when there is none). */
  function run<T>(statements: () => T, wait: boolean): { result: T; committed: Promise<void> } | 'busy' {
    if (batch === undefined) {
      if (!begin(wait)) return 'busy';
      batch = open();
    }
    const current = batch;
    try {
      // Statements run synchronously, so checks-and-sets (single use) stay atomic; a failing one is
      // undone by SQLite alone (statement atomicity) and fails only its caller.
      return { result: statements(), committed: current.committed };
    } catch (error) {
      // Some errors (SQLITE_FULL, SQLITE_IOERR, …) make SQLite roll back the whole transaction: the
      // batch's earlier writes are gone, so they fail too, and the next write starts a new batch
      // instead of running outside any transaction. That is what lets a full disk recover on the
      // first write after space is freed.
      if (!db.inTransaction) current.abort(error);
      throw error;
    }
  }

  function settleQueued(entry: Queued, wait: boolean): void {
    try {
      const ran = run(entry.statements, wait);
      // 'busy' only when an earlier write's error rolled the batch back and another process took the lock since.
      if (ran === 'busy') entry.reject(busyError());
      else ran.committed.then(() => entry.resolve(ran.result), entry.reject);
    } catch (error) {
      entry.reject(error);
    }
  }

  /** Asks for the lock again for the queued writes; runs them all once it is taken. */
  function retry(wait = false): void {
    const current = waiting;
    if (current === undefined) return;
    let taken: boolean;
    try {
      taken = begin(wait);
    } catch (error) {
      waiting = undefined;
      for (const entry of current.queue) entry.reject(error);
      return;
    }
    if (!taken) {
      if (Date.now() - current.since < busyTimeoutMs) {
        current.timer = setTimeout(retry, RETRY_MS);
        return;
      }
      waiting = undefined;
      const error = busyError();
      for (const entry of current.queue) entry.reject(error);
      return;
    }
    waiting = undefined;
    batch = open();
    for (const entry of current.queue) settleQueued(entry, wait);
  }

  return {
    write<T>(statements: () => T): Promise<T> {
      // Writes keep their order: while some wait for the lock, later ones wait behind them.
      if (waiting === undefined) {
        try {
          const ran = run(statements, false);
          if (ran !== 'busy') return ran.committed.then(() => ran.result);
        } catch (error) {
          return Promise.reject(error);
        }
        waiting = { queue: [], since: Date.now(), timer: setTimeout(retry, RETRY_MS) };
      }
      const queue = waiting.queue;
      return new Promise<T>((resolve, reject) => {
        queue.push({ statements, resolve: resolve as (value: unknown) => void, reject });
      });
    },
    flush() {
      if (waiting !== undefined) {
        clearTimeout(waiting.timer);
        retry(true);
      }
      batch?.commit();
    },
  };
}
