/**
 * A connection's writes held until the end of the event-loop turn that made them.
 *
 * Written the moment each is ready, every answer pays the event loop's per-iteration costs and, when
 * the reader shares the machine (a local proxy, a sidecar, a load generator), one wake-up of the reader
 * per answer. Held until the turn's end instead (`setImmediate` runs right after the poll phase that
 * read the requests), the answers of a turn leave back to back: the reader wakes once for the lot and
 * sends its next requests together, so the next turn reads them together. A request alone waits for
 * nothing but the rest of its own turn. Measured on `tollgate serve` (bench/README.md, "Writes at the
 * turn's end").
 *
 * The hold sits under the HTTP layer, in the socket's `_write`/`_writev` (the stream's own hooks for
 * its sink): a response has ended when its handler ends it, as before, and only the bytes wait. A
 * write held is a write in progress, so the stream keeps later writes in order behind it.
 */
import type { Socket } from 'node:net';

let held: (() => void)[] = [];

function release(): void {
  const flushes = held;
  held = [];
  for (const flush of flushes) flush();
}

/** For `server.on('connection', …)`: the socket's writes wait for the end of their turn. */
export function writeAtTurnEnd(socket: Socket): void {
  const write = socket._write;
  const writev = socket._writev;
  const destroy = socket.destroy;
  // A stream hands its sink one write at a time and waits for its callback: one slot is enough.
  let pending: (() => void) | undefined;
  const flush = (): void => {
    const now = pending;
    pending = undefined;
    now?.();
  };
  const hold = (write: () => void): void => {
    pending = write;
    if (held.push(flush) === 1) setImmediate(release);
  };
  socket._write = (chunk, encoding, callback) => hold(() => write.call(socket, chunk, encoding, callback));
  if (writev) socket._writev = (chunks, callback) => hold(() => writev.call(socket, chunks, callback));
  // node:http writes its own answers (400 for a malformed request, 408 at requestTimeout) and destroys
  // the socket in the same breath: what is held goes first, as it would have unheld.
  socket.destroy = (error?: Error) => {
    flush();
    return destroy.call(socket, error);
  };
}
