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

export function createGroupCommit(db: Database): GroupCommit {
  let batch: { committed: Promise<void>; commit(): void } | undefined;

  function open(): NonNullable<typeof batch> {
    // IMMEDIATE takes the write lock now, so another process cannot slip a write in between.
    db.exec('BEGIN IMMEDIATE');
    let settle!: (error?: unknown) => void;
    const committed = new Promise<void>((resolve, reject) => {
      settle = (error) => (error === undefined ? resolve() : reject(error));
    });
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
    };
    setImmediate(current.commit);
    return current;
  }

  return {
    write(statements) {
      const current = batch ?? (batch = open());
      // Statements run synchronously, so checks-and-sets (single use) stay atomic; a failing one is
      // undone by SQLite alone (statement atomicity) and fails only its caller.
      let result: ReturnType<typeof statements>;
      try {
        result = statements();
      } catch (error) {
        return Promise.reject(error);
      }
      return current.committed.then(() => result);
    },
    flush() {
      batch?.commit();
    },
  };
}
