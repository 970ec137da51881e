/**
 * Where the server's JSON log lines go: stdout, written asynchronously in 4 KiB chunks (pino's
 * SonicBoom), so a request never waits on a write(2) of its log line. What is buffered is flushed
 * synchronously when the app closes and when the process exits, so a stop or a crash loses no line.
 */
import pino from 'pino';

export interface LogDestination {
  stream: ReturnType<typeof pino.destination>;
  /** Writes out what is buffered and stops watching for the process's exit. */
  close(): void;
}

/** Into `dest` (default stdout), an open file descriptor. */
export function createLogDestination(dest = 1): LogDestination {
  const stream = pino.destination({ dest, sync: false, minLength: 4096 });
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
