/**
 * Where the server's JSON log lines go: stdout, written asynchronously in chunks of 32 KiB, or within
 * a second or two at low traffic (pino's SonicBoom), so a request never waits on a write(2) of its
 * log line. Lines wait as one string and are encoded to bytes once per chunk, not once each. What is
 * waiting is flushed synchronously when the app closes and when the process exits, so a stop or a
 * crash loses no line. What waits is bounded: when stdout does not keep up (a stalled pipe, a log
 * collector that stopped reading), lines past the bound are dropped and counted, and the count is
 * logged once lines go through again, instead of the queue growing until the process runs out of
 * memory.
 */
import { hostname } from 'node:os';
import pino from 'pino';

/** A buffered line writer: pino's destination stream, and what the audit trail writes through. */
export interface LogStream {
  /** Queues one line (or several), written out once 32 KiB are waiting, or within a second or two. */
  write(line: string): void;
  /** Writes out everything queued, synchronously. */
  flushSync(): void;
  /** Closes the descriptor once what is queued is written. */
  end(): void;
}

/** SonicBoom in buffer mode: its types describe only the string mode, where write takes a string. */
interface BufferModeSonicBoom {
  write(chunk: Uint8Array): boolean;
  /** Starts writing what waits, unless a write is on its way. */
  flush(): void;
  flushSync(): void;
  /** Set once it is ended or failed: then every call throws. */
  readonly destroyed: boolean;
  end(): void;
  /** Emitted, synchronously within `write`, for a chunk refused because `maxLength` bytes wait. */
  on(event: 'drop', listener: () => void): void;
}

export interface LogDestination {
  stream: LogStream;
  /** Writes out what is buffered and stops watching for the process's exit. */
  close(): void;
}

/**
 * Lines are written out once this many bytes wait (about 120 request lines): each write is a trip
 * through libuv's thread pool, a thread woken and a write(2), so under load fewer, larger writes
 * cost less CPU per request (issue 17).
 */
const MIN_WRITE = 32 * 1024;
/** The most one write(2) takes; SonicBoom needs it above MIN_WRITE. */
const MAX_WRITE = 64 * 1024;
/** And at least this often, so at low traffic a line reaches the log within a second or two, not only once MIN_WRITE bytes wait. */
const FLUSH_INTERVAL_MS = 1000;
/** The most bytes that may wait for stdout (about 70 000 request lines); past it, lines are dropped and counted. */
const MAX_QUEUED = 16 * 1024 * 1024;

/** The line that says how many were dropped, in pino's shape at `warn`. */
function droppedLine(count: number): Buffer {
  const line = { level: 40, time: Date.now(), pid: process.pid, hostname: hostname(), dropped: count, msg: `${count} log lines dropped: stdout did not keep up` };
  return Buffer.from(`${JSON.stringify(line)}\n`);
}

/** Into `dest` (default stdout), an open file descriptor; `maxQueued` bytes at most wait for it. */
export function createLogDestination(dest = 1, { maxQueued = MAX_QUEUED }: { maxQueued?: number } = {}): LogDestination {
  // Buffer mode: SonicBoom keeps the queued lines as a list of buffers. In its default (string)
  // mode it appends each line to one growing string and measures that string's UTF-8 length on
  // every write, which copies up to 16 KiB per line: about twice the CPU of encoding the line once
  // here (issue 17, request logging's cost per request).
  const sonic = pino.destination({
    dest,
    sync: false,
    contentMode: 'buffer',
    minLength: MIN_WRITE,
    maxWrite: MAX_WRITE,
    maxLength: maxQueued,
  }) as unknown as BufferModeSonicBoom;
  let refused = false;
  sonic.on('drop', () => {
    refused = true;
  });
  /** Queues a chunk; false when it was dropped (the queue is full). */
  const queue = (chunk: Buffer): boolean => {
    refused = false;
    sonic.write(chunk);
    return !refused;
  };
  let dropped = 0;
  // Lines not yet encoded: one string, so a chunk costs one Buffer.from instead of one per line (a
  // line's own Buffer, about 1k instructions of a request's ~100k, issue 17).
  let waiting = '';
  let waitingLines = 0;
  /** Hands the waiting lines to SonicBoom as one chunk. */
  const queueWaiting = (): void => {
    if (waitingLines === 0) return;
    const chunk = Buffer.from(waiting);
    const lines = waitingLines;
    waiting = '';
    waitingLines = 0;
    // The count goes first, once there is room for it, so the log says where lines are missing.
    if (dropped > 0 && queue(droppedLine(dropped))) dropped = 0;
    if (!queue(chunk)) dropped += lines;
  };
  // Every interval, what waits is written out (an empty write when idle, one a second): a flush that
  // meets a write on its way does nothing, and the next one writes what that write left behind.
  const ticks = setInterval(() => {
    if (sonic.destroyed) return;
    queueWaiting();
    sonic.flush();
  }, FLUSH_INTERVAL_MS).unref();
  const stream: LogStream = {
    write(line) {
      waiting += line;
      waitingLines++;
      if (waiting.length >= MIN_WRITE) queueWaiting();
    },
    flushSync() {
      queueWaiting();
      sonic.flushSync();
    },
    end() {
      clearInterval(ticks);
      queueWaiting();
      sonic.end();
    },
  };
  // 'exit' handlers may only do synchronous work: flushSync is that.
  const flush = (): void => stream.flushSync();
  process.once('exit', flush);
  return {
    stream,
    close() {
      process.off('exit', flush);
      flush();
    },
  };
}
