/**
 * Group commit for the SQLite store. A token answered with 200 must be on disk (`synchronous =
 * FULL`), and an fsync per request would make the disk the server's speed limit. So every write made
 * in one turn of the event loop joins one transaction, committed (one fsync) when the turn ends; each
 * caller's promise settles only after that commit, so nothing is answered before it is durable.
 */
import type { Database } from 'better-sqlite3';

export interface GroupCommit {
  /** Runs `statements` now, inside the current batch, and resolves with their result once it is committed. */
  write<T>(statements: () => T): Promise<T>;
  /** Commits the open batch at once (before closing the database). */
  flush(): void;
}

export interface GroupCommitOptions {
  /** Runs before each batch begins; throwing refuses the batch's first write (e.g. the database file is gone). */
  beforeBatch?: () => void;
}

export function createGroupCommit(db: Database, options: GroupCommitOptions = {}): GroupCommit {
  let batch: { committed: Promise<void>; commit(): void; abort(error: unknown): void } | undefined;

  function open(): NonNullable<typeof batch> {
    options.beforeBatch?.();
    // IMMEDIATE takes the write lock now, so another process cannot slip a write in between.
    db.exec('BEGIN IMMEDIATE');
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
          db.exec('COMMIT');
          settle();
        } catch (error) {
          if (db.inTransaction) db.exec('ROLLBACK');
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

  return {
    write(statements) {
      let current: NonNullable<typeof batch>;
      let result: ReturnType<typeof statements>;
      try {
        current = batch ?? (batch = open());
        // Statements run synchronously, so checks-and-sets (single use) stay atomic; a failing one is
        // undone by SQLite alone (statement atomicity) and fails only its caller.
        result = statements();
      } catch (error) {
        // Some errors (SQLITE_FULL, SQLITE_IOERR, …) make SQLite roll back the whole transaction: the
        // batch's earlier writes are gone, so they fail too, and the next write starts a new batch
        // instead of running outside any transaction. That is what lets a full disk recover on the
        // first write after space is freed.
        if (batch !== undefined && !db.inTransaction) batch.abort(error);
        return Promise.reject(error);
      }
      return current.committed.then(() => result);
    },
    flush() {
      batch?.commit();
    },
  };
}
