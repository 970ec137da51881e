/** `tollgate serve`'s connections write at the end of the event-loop turn that made the writes. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { Writable } from 'node:stream';
import { once } from 'node:events';
import { writeAtTurnEnd } from '../../src/app/turn-end-writes.js';

/** A sink standing for a socket: records each write it is handed, as `wrote <chunk>`. */
function recordingSink(marks: string[]): Socket {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      marks.push(`wrote ${chunk.toString()}`);
      callback();
    },
  });
  writeAtTurnEnd(sink as unknown as Socket);
  return sink as unknown as Socket;
}

async function listening(server: Server): Promise<number> {
  server.on('connection', writeAtTurnEnd);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
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

describe('writes at the end of their turn', () => {
  test('a write leaves when the turn that made it ends', async () => {
    const marks: string[] = [];
    const sink = recordingSink(marks);
    setImmediate(() => marks.push('turn ended'));
    sink.write('a');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(marks, ['turn ended', 'wrote a']);
  });

  test('the writes of one turn, on several connections, leave together in the order they were made', async () => {
    const marks: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      recordingSink(marks).write(name);
      marks.push(`made ${name}`);
    }
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(marks, ['made a', 'made b', 'made c', 'wrote a', 'wrote b', 'wrote c']);
  });

  test('answers arrive whole and in order: a body of many writes, and two pipelined requests', async () => {
    const big = 'x'.repeat(1 << 20);
    const server = createServer((req, res) => {
      if (req.url === '/big') {
        // Many writes, past the socket's high-water mark: later ones wait behind the held one.
        for (let i = 0; i < 64; i++) res.write(big.slice(i * 16384, (i + 1) * 16384));
        res.end();
        return;
      }
      res.end(`answer to ${req.url}`);
    });
    const port = await listening(server);
    try {
      const body = await (await fetch(`http://127.0.0.1:${port}/big`)).text();
      assert.equal(body, big);
      const both = await exchange(port, 'GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      assert.match(both, /^HTTP\/1\.1 200 OK[\s\S]*answer to \/first[\s\S]*HTTP\/1\.1 200 OK[\s\S]*answer to \/second$/);
    } finally {
      server.close();
    }
  });

  test("an answer written just before its connection is destroyed still leaves, as node:http's own 400 and 408 answers need", async () => {
    const server = createServer((req, res) => {
      res.end('held');
      // In the same turn as the answer, as node:http destroys a socket after writing its error answer.
      if (req.url === '/destroy') req.socket.destroy();
    });
    const port = await listening(server);
    try {
      assert.match(await exchange(port, 'GET /destroy HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 200 OK[\s\S]*held$/);
      const malformed = await exchange(port, 'GET /a b c HTTP/1.1\r\n\r\n');
      assert.match(malformed, /^HTTP\/1\.1 400 Bad Request/);
      assert.match(await exchange(port, 'GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 200 OK[\s\S]*held$/);
    } finally {
      server.close();
    }
  });

});
