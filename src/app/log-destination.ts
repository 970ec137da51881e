/**
 * Where the server's JSON log lines go: stdout, written asynchronously in chunks of 32 KiB, or within
 * a second or two at low traffic (pino's SonicBoom), so a request never waits on a write(2) of its
 * log line. What is buffered is flushed synchronously when the app closes and when the process
 * exits, so a stop or a crash loses no line.
 */
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
  flushSync(): void;
  end(): void;
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

/** Into `dest` (default stdout), an open file descriptor. */
export function createLogDestination(dest = 1): LogDestination {
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
    // Flushes every interval (an empty write when idle, one a second): a flush that meets a write
    // on its way does nothing, and the next one writes what that write left behind.
    periodicFlush: FLUSH_INTERVAL_MS,
  }) as unknown as BufferModeSonicBoom;
  const stream: LogStream = {
    write: (line) => void sonic.write(Buffer.from(line)),
    flushSync: () => sonic.flushSync(),
    end: () => sonic.end(),
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
