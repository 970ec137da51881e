/**
 * Group commit for the SQLite store. A token answered with 200 must be on disk (`synchronous =
 * FULL`), and an fsync per request would make the disk the server's speed limit. So the writes asked
 * for in one turn of the event loop are queued, and when the turn ends they run in order in one
 * transaction, committed with one fsync; each caller's promise settles only after that commit, so
 * nothing is answered before it is durable.
 *
 * The write lock is taken only then, for the statements and the commit, not from the turn's first
 * write to its end: several processes may share the file (`tollgate serve --workers N`), SQLite has
 * one write lock, and a lock held while this process parses and answers other requests is a lock the
 * other process waits for. Waiting for it in SQLite's busy handler would sleep on the event loop (up
 * to 100 ms a try, while the other process takes the lock again and again), stalling every request of
 * the process. So a batch asks for the lock without waiting; when another process holds it, the
 * writes stay queued, the event loop keeps serving (later writes join the queue), and the lock is
 * asked for again a millisecond later.
 */
import type { Database } from 'better-sqlite3';

export interface GroupCommit {
  /** Queues `statements` for the current batch, and resolves with their result once it is committed. */
  write<T>(statements: () => T): Promise<T>;
  /** Runs and commits the queued writes at once, waiting for the write lock if it must (before closing the database). */
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

  /** Writes not yet run, in arrival order. */
  let queue: Queued[] = [];
  /** The turn-end run or the retry after a refused lock, whichever is due; undefined when nothing is queued. */
  let due: { immediate: NodeJS.Immediate } | { timer: NodeJS.Timeout } | undefined;
  /** When the queued writes first found the lock held by another process. */
  let waitingSince: number | undefined;

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

  function cancelDue(): void {
    if (due === undefined) return;
    if ('immediate' in due) clearImmediate(due.immediate);
    else clearTimeout(due.timer);
    due = undefined;
  }

  /** Runs the queued writes in one transaction and commits it; `wait` lets SQLite's busy handler wait for the lock. */
  function runBatch(wait: boolean): void {
    due = undefined;
    if (queue.length === 0) return;
    let taken: boolean;
    try {
      taken = begin(wait);
    } catch (error) {
      // Refused before it began (the file is gone, an I/O error): every queued write fails, the next write tries again.
      rejectAll(takeQueue(), error);
      return;
    }
    if (!taken) {
      waitingSince ??= Date.now();
      if (Date.now() - waitingSince < busyTimeoutMs) {
        due = { timer: setTimeout(runBatch, RETRY_MS, false) };
        return;
      }
      rejectAll(takeQueue(), busyError());
      return;
    }
    const batch = takeQueue();
    const done: { entry: Queued; result: unknown }[] = [];
    for (let i = 0; i < batch.length; i++) {
      const entry = batch[i]!;
      try {
        // Statements run synchronously, so checks-and-sets (single use) stay atomic; a failing one is
        // undone by SQLite alone (statement atomicity) and fails only its caller.
        done.push({ entry, result: entry.statements() });
      } catch (error) {
        entry.reject(error);
        if (db.inTransaction) continue;
        // Some errors (SQLITE_FULL, SQLITE_IOERR, …) make SQLite roll back the whole transaction: the
        // batch's earlier writes are gone, so they fail too, and the writes after this one go in a new
        // batch instead of running outside any transaction. That is what lets a full disk recover on
        // the first write after space is freed.
        rejectAll(done.map((d) => d.entry), error);
        done.length = 0;
        queue = batch.slice(i + 1).concat(queue);
        schedule();
        return;
      }
    }
    try {
      control.commit.run();
    } catch (error) {
      if (db.inTransaction) control.rollback.run();
      rejectAll(done.map((d) => d.entry), error);
      return;
    }
    for (const { entry, result } of done) entry.resolve(result);
  }

  function takeQueue(): Queued[] {
    const taken = queue;
    queue = [];
    waitingSince = undefined;
    return taken;
  }

  function rejectAll(entries: Queued[], error: unknown): void {
    for (const entry of entries) entry.reject(error);
  }

  /** The queue runs when this turn ends, unless a run (or a retry for the lock) is already due. */
  function schedule(): void {
    if (due === undefined && queue.length > 0) due = { immediate: setImmediate(runBatch, false) };
  }

  return {
    write<T>(statements: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        // Writes keep their order: while some wait for the lock, later ones wait behind them.
        queue.push({ statements, resolve: resolve as (value: unknown) => void, reject });
        schedule();
      });
    },
    flush() {
      cancelDue();
      // A batch a rolled-back transaction cut short requeues the rest: run until nothing is left.
      while (queue.length > 0) {
        runBatch(true);
        cancelDue();
      }
    },
  };
}
