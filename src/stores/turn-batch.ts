/**
 * Group commit for a store that talks to its database over the network (PostgreSQL): the writes
 * of one event-loop turn go out as one statement, so concurrent requests share one round trip and
 * one commit (one WAL flush) instead of paying one each. The SQLite store does the same with a
 * transaction (sqlite-group-commit.ts); here a single multi-row statement is the transaction.
 */

export interface TurnBatch<T> {
  /** Queues `item` into this turn's batch; resolves once the batch holding it is committed. */
  add(item: T): Promise<void>;
}

/**
 * `writeMany` receives every item added during one turn, once the turn ends. Should it fail for a
 * batch of several, each item is written again alone with `writeOne`, so that one bad item (a value
 * the database refuses) fails only its own caller and not the requests that happened to share its turn.
 */
export function createTurnBatch<T>(writeMany: (items: T[]) => Promise<void>, writeOne: (item: T) => Promise<void>): TurnBatch<T> {
  let pending: { items: T[]; outcomes: Promise<PromiseSettledResult<void>[]> } | undefined;

  /** Each item's outcome, by its index in `items`. */
  async function flush(items: T[]): Promise<PromiseSettledResult<void>[]> {
    try {
      await writeMany(items);
      return items.map(() => ({ status: 'fulfilled', value: undefined }));
    } catch (reason) {
      if (items.length === 1) return [{ status: 'rejected', reason }];
      return Promise.allSettled(items.map((item) => writeOne(item)));
    }
  }

  return {
    async add(item) {
      if (pending === undefined) {
        const items: T[] = [];
        // setImmediate: after this turn's I/O callbacks, so every request read in this turn joins.
        const outcomes = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
          pending = undefined;
          return flush(items);
        });
        pending = { items, outcomes };
      }
      const batch = pending;
      const index = batch.items.push(item) - 1;
      const outcome = (await batch.outcomes)[index] as PromiseSettledResult<void>;
      if (outcome.status === 'rejected') throw outcome.reason;
    },
  };
}
