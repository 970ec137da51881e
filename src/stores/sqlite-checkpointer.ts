/**
 * WAL checkpoints off the event loop (issue 17: "checkpoints never stall the serving thread").
 *
 * SQLite copies the write-ahead log back into the database file (a checkpoint) inside whichever
 * commit crosses `wal_autocheckpoint`: about 1000 pages copied and the database file fsynced on the
 * thread that serves requests, some 16 times a second at 12k tokens/s. So the serving connection
 * never checkpoints on its own
 * (`wal_autocheckpoint = 0`), and a worker thread with a connection of its own runs a PASSIVE
 * checkpoint every `intervalMs`: it copies what the log holds while the serving connection goes on
 * reading and writing (SQLite: PASSIVE never takes a lock that blocks a reader or the writer).
 *
 * A checkpoint alone never shortens the log: SQLite writes the log from its start again only when a
 * write begins while every frame in it has been copied. Under a steady stream of writes a PASSIVE
 * checkpoint never catches up with the last commit (it copies what was committed when it began, and
 * the serving connection commits all the while), and a log that only grows makes every read slower.
 * So once the log passes `rewindFrames`, the worker runs a FULL checkpoint: it takes the write lock,
 * copies the frames left and syncs the database file, and the serving connection's next write starts
 * the log over. While the worker holds the lock, the serving connection's batches wait for it as they
 * wait for another process's (sqlite-group-commit.ts: asked for again a millisecond later, the event
 * loop serving on). A checkpoint run on the serving thread, as this module first did, stopped every
 * request instead, for 1 to 10 ms (growing with the file), about four times a second at full load.
 *
 * Before the FULL one, two more PASSIVE checkpoints copy what was committed during the one before,
 * without the lock. Measured under load (wrk, 32 connections, `tollgate serve`, 10 s runs): about
 * once a cycle one of the checkpoints takes 10 to 14 ms whatever it copies (50 to 250 frames; a sync
 * that waits, it seems), the others 1 to 4 ms. A FULL checkpoint right after the interval's held the
 * lock 10 to 12 ms; after one more pass, about 2 ms with `synchronous = FULL` but 12 to 14 ms with
 * `NORMAL`; after two more, 1 to 2 ms and 3 to 6 ms. Issuance p99, alternating runs: about 10 ms
 * with the serving thread's checkpoint, 6.7 to 8.5 ms after one pass, 5.3 to 5.9 ms after two
 * (NORMAL: 9.9 to 12.2 ms after one, 6.1 to 8.8 ms after two).
 *
 * The worker is never terminated: Node 24 aborts the whole process when a worker is terminated
 * while it loads better-sqlite3. `stop` asks it to close its connection and exit instead; and
 * `startCheckpointer` resolves only once the connection is open, so a worker that cannot open the
 * file is known at once and the serving connection keeps its own checkpoints.
 */
import { Worker } from 'node:worker_threads';

export interface Checkpointer {
  /** Closes the worker's connection and waits for the worker to exit. */
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  filename: string;
  /** better-sqlite3's entry, resolved from this package (the worker evaluates a script with no location of its own). */
  driver: string;
  /** The serving connection's `synchronous`: a checkpoint's fsync of the database file is what makes the log safe to reuse. */
  synchronous: 'FULL' | 'NORMAL';
  /** Runs if the worker dies: the caller gives checkpoints back to its own connection rather than let the log grow. */
  onFailure(error: unknown): void;
  intervalMs?: number;
  rewindFrames?: number;
}

/** A checkpoint every 100 ms: at 16k log frames a second (about 12k tokens/s), 1600 frames each. */
const INTERVAL_MS = 100;
/** 4096 frames: 16 MiB of log with 4 KiB pages; SQLite's own threshold is 1000. */
const REWIND_FRAMES = 4096;

// CommonJS, evaluated in the worker. Its one message to the parent: 'ready'.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
// No busy handler (timeout 0): a FULL checkpoint that finds the write lock taken does not sleep
// while the log grows; it copies what it can, as a PASSIVE one does, and answers busy = 1.
const db = new Database(workerData.filename, { fileMustExist: true, timeout: 0 });
db.pragma('synchronous = ' + workerData.synchronous);
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const finish = db.prepare('PRAGMA wal_checkpoint(FULL)');
/** PASSIVE checkpoints run before the FULL one (above). */
const CATCH_UP_PASSES = 2;
/** Tries FULL again at once: each try has less left to copy, so one soon falls between two batches. */
const FULL_TRIES = 10;
const timer = setInterval(() => {
  // A failed checkpoint (the file gone, an I/O error) is tried again at the next interval; the
  // serving connection's own writes report the cause.
  try {
    const { busy, log } = checkpoint.get();
    if (busy === 0 && log >= workerData.rewindFrames) {
      for (let pass = 0; pass < CATCH_UP_PASSES; pass++) checkpoint.get();
      for (let tries = 0; tries < FULL_TRIES; tries++) if (finish.get().busy === 0) break;
    }
  } catch {}
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
parentPort.postMessage('ready');
`;

/** Starts the worker; resolves once its connection is open (or rejects with why it could not open it). */
export async function startCheckpointer(options: CheckpointerOptions): Promise<Checkpointer> {
  const { filename, driver, synchronous } = options;
  const worker = new Worker(WORKER, {
    eval: true,
    // The parent's flags (a loader, --input-type=module) are not for this fixed CommonJS script.
    execArgv: [],
    workerData: { filename, driver, synchronous, intervalMs: options.intervalMs ?? INTERVAL_MS, rewindFrames: options.rewindFrames ?? REWIND_FRAMES },
  });
  let state: 'starting' | 'running' | 'stopping' = 'starting';
  let opening!: { resolve(): void; reject(error: unknown): void };
  const opened = new Promise<void>((resolve, reject) => (opening = { resolve, reject }));
  // An 'error' is always followed by 'exit'.
  worker.on('error', (error) => {
    if (state === 'starting') opening.reject(new Error(`the SQLite checkpoint worker could not open ${filename}: ${error.message}`));
  });
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', (code) => {
      const error = new Error(`the SQLite checkpoint worker for ${filename} exited (code ${code})`);
      if (state === 'starting') opening.reject(error);
      else if (state === 'running') options.onFailure(error);
      resolve();
    }),
  );
  worker.once('message', () => opening.resolve());
  await opened;
  state = 'running';
  // Never keeps a process alive on its own; held again while it closes.
  worker.unref();
  return {
    async stop() {
      if (state === 'running') {
        state = 'stopping';
        worker.ref();
        worker.postMessage('stop');
      }
      await exited;
    },
  };
}
