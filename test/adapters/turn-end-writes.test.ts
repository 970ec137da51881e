/** `writeAtTurnEnd` (`tollgate serve`'s, and `tollgate/node`'s): each connection's writes held until the requests of the turn have been read. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { writeAtTurnEnd } from '../../src/adapters/turn-end-writes.js';

/**
 * A server with the hold whose sockets record, under the hold, each write that reaches them (as
 * `written <body>`): the recording is installed on `connection` before the hold wraps the socket.
 */
async function listening(handler: RequestListener, marks: string[] = []): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  // Named by the body's last line: the answers here are one short line each.
  const mark = (bytes: string) => marks.push(`written ${bytes.split('\n').pop()}`);
  server.on('connection', (socket: Socket) => {
    // Node 22 hands an answer's head and body to _writev, Node 24 to _write as one chunk.
    const { _write: write, _writev: writev } = socket;
    socket._write = (chunk, encoding, callback) => {
      mark(String(chunk));
      write.call(socket, chunk, encoding, callback);
    };
    socket._writev = (chunks, callback) => {
      mark(chunks.map(({ chunk }) => String(chunk)).join(''));
      writev!.call(socket, chunks, callback);
    };
  });
  writeAtTurnEnd(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

/** Everything a raw connection receives until the server closes it. */
async function exchange(port: number, request: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.end(request);
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  await once(socket, 'close');
  return received;
}

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;

describe('writes held until the turn has read its requests', () => {
  test('an answer made while requests are read is written once the turn has read them, not when it is ended', async () => {
    const marks: string[] = [];
    const { server, port } = await listening((_req, res) => {
      res.end('a');
      process.nextTick(() => marks.push('handler done'));
    }, marks);
    try {
      assert.match(await exchange(port, GET('/a')), /^HTTP\/1\.1 200 OK[\s\S]*a$/);
      assert.deepEqual(marks, ['handler done', 'written a']);
    } finally {
      server.close();
    }
  });

  test('the answers of one turn, on several connections, leave together in the order they were made', async () => {
    const marks: string[] = [];
    let arrived = 0;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const { server, port } = await listening(async (req, res) => {
      if (++arrived === 3) open();
      await gate;
      marks.push(`answered ${req.url}`);
      res.end(req.url);
    }, marks);
    try {
      // fetch, not a half-closed raw connection: node:http drops a request whose client ended before its answer.
      const answers = await Promise.all(['/x', '/y', '/z'].map(async (path) => (await fetch(`http://127.0.0.1:${port}${path}`)).text()));
      assert.deepEqual(answers, ['/x', '/y', '/z']);
      assert.deepEqual(marks, ['answered /x', 'answered /y', 'answered /z', 'written /x', 'written /y', 'written /z']);
    } finally {
      server.close();
    }
  });

  test('an answer made after the turn has read its requests (as after a group commit in setImmediate) leaves at once', async () => {
    const marks: string[] = [];
    const { server, port } = await listening((_req, res) => {
      setImmediate(() => {
        res.end('late');
        marks.push('ended');
      });
    }, marks);
    try {
      assert.match(await exchange(port, GET('/late')), /late$/);
      assert.deepEqual(marks, ['written late', 'ended']);
    } finally {
      server.close();
    }
  });

  test('answers arrive whole and in order: a body of many writes, and two pipelined requests', async () => {
    const big = 'x'.repeat(1 << 20);
    const { server, port } = await listening((req, res) => {
      if (req.url === '/big') {
        // Many writes, past the socket's high-water mark: later ones wait behind the held one.
        for (let i = 0; i < 64; i++) res.write(big.slice(i * 16384, (i + 1) * 16384));
        res.end();
        return;
      }
      res.end(`answer to ${req.url}`);
    });
    try {
      assert.equal(await (await fetch(`http://127.0.0.1:${port}/big`)).text(), big);
      const both = await exchange(port, `GET /first HTTP/1.1\r\nHost: x\r\n\r\n${GET('/second')}`);
      assert.match(both, /^HTTP\/1\.1 200 OK[\s\S]*answer to \/first[\s\S]*HTTP\/1\.1 200 OK[\s\S]*answer to \/second$/);
    } finally {
      server.close();
    }
  });

  test("an answer written just before its connection is destroyed still leaves, as node:http's own 400 and 408 answers need", async () => {
    const { server, port } = await listening((req, res) => {
      res.end('held');
      // In the same turn as the answer, as node:http destroys a socket after writing its error answer.
      if (req.url === '/destroy') req.socket.destroy();
    });
    try {
      assert.match(await exchange(port, 'GET /destroy HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 200 OK[\s\S]*held$/);
      assert.match(await exchange(port, 'GET /a b c HTTP/1.1\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request/);
      assert.match(await exchange(port, GET('/next')), /^HTTP\/1\.1 200 OK[\s\S]*held$/);
    } finally {
      server.close();
    }
  });
});
