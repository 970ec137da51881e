/**
 * A connection's writes held until the requests of the event-loop turn have been read.
 *
 * Written the moment each is ready, every answer pays the event loop's per-iteration costs and, when
 * the reader shares the machine (a local proxy, a sidecar, a load generator), one wake-up of the reader
 * per answer. Held instead until the poll phase that read the requests is over (`setImmediate` runs
 * right after it), the answers of a turn leave back to back: the reader wakes once for the lot and
 * sends its next requests together, so the next turn reads them together. A request alone waits for
 * nothing but the rest of its own turn. Answers made after that (a group commit's, which runs in
 * `setImmediate` too) leave at once: they are made together already, and holding them a further
 * iteration would split the readers into two halves that take turns, and each commit would carry half
 * the tokens. Measured on `tollgate serve` (bench/README.md, "Writes at the turn's end"), which holds
 * its writes so; `tollgate/node` offers it to any node:http server, whatever framework answers on it.
 *
 * The hold sits under the HTTP layer, in the socket's `_write`/`_writev` (the stream's own hooks for
 * its sink): a response has ended when its handler ends it, as before, and only the bytes wait. A
 * write held is a write in progress, so the stream keeps later writes in order behind it.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

let held: (() => void)[] = [];
let releaseDue = false;
/** The turn's requests have been read: until the next one is, writes leave at once. */
let read = false;

function release(): void {
  releaseDue = false;
  read = true;
  const flushes = held;
  held = [];
  for (const flush of flushes) flush();
}

function releaseDueAtTurnEnd(): void {
  if (!releaseDue) {
    releaseDue = true;
    setImmediate(release);
  }
}

/** Queued when a turn's first request is read, so the release runs before anything that request queues. */
function releaseWhenRead(): void {
  read = false;
  releaseDueAtTurnEnd();
}

function holdWrites(socket: Socket): void {
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
    held.push(flush);
    // Writes with no request read this turn (node:http's own 400 answers, say) are held all the same.
    releaseDueAtTurnEnd();
  };
  // Once the turn's requests are read, a write goes at once, with no closure made for it.
  socket._write = (chunk, encoding, callback) => {
    if (read) write.call(socket, chunk, encoding, callback);
    else hold(() => write.call(socket, chunk, encoding, callback));
  };
  if (writev) {
    socket._writev = (chunks, callback) => {
      if (read) writev.call(socket, chunks, callback);
      else hold(() => writev.call(socket, chunks, callback));
    };
  }
  // node:http writes its own answers (400 for a malformed request, 408 at requestTimeout) and destroys
  // the socket in the same breath: what is held goes first, as it would have unheld.
  socket.destroy = (error?: Error) => {
    flush();
    return destroy.call(socket, error);
  };
}

/**
 * Holds every connection's writes until its turn's requests are read. For a plain-HTTP `node:http`
 * server (an `https` server's sockets write through TLS, below these hooks), whatever framework
 * answers on it; call it before the server accepts connections.
 * @example const httpServer = createServer(createRequestListener(server)); writeAtTurnEnd(httpServer); httpServer.listen(3000)
 */
export function writeAtTurnEnd(server: Server): void {
  server.on('connection', holdWrites);
  // First among the request listeners, so the release is queued before anything a handler queues.
  server.prependListener('request', releaseWhenRead);
}
