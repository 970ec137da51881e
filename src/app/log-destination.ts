/**
 * Where the server's JSON log lines go: stdout, written asynchronously in 4 KiB chunks (pino's
 * SonicBoom), so a request never waits on a write(2) of its log line. What is buffered is flushed
 * synchronously when the app closes and when the process exits, so a stop or a crash loses no line.
 */
import pino from 'pino';

/** A buffered line writer: pino's destination stream, and what the audit trail writes through. */
export interface LogStream {
  /** Queues one line (or several), written out once 4 KiB are waiting. */
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

/** Into `dest` (default stdout), an open file descriptor. */
export function createLogDestination(dest = 1): LogDestination {
  // Buffer mode: SonicBoom keeps the queued lines as a list of buffers. In its default (string)
  // mode it appends each line to one growing string and measures that string's UTF-8 length on
  // every write, which copies up to 16 KiB per line: about twice the CPU of encoding the line once
  // here (issue 17, request logging's cost per request).
  const sonic = pino.destination({ dest, sync: false, minLength: 4096, contentMode: 'buffer' }) as unknown as BufferModeSonicBoom;
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
