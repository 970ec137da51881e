/**
 * `serve`'s HTTP limits and its stop (SECURITY-CHECKLIST "Input and operations"; the chaos run in
 * issue 16): slow requests are cut, connections are capped, and a stopping server closes idle
 * keep-alive connections at once and says `Connection: close` on the responses still in flight.
 * Raw sockets, so the test sees exactly what goes over the wire.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { once } from 'node:events';
import { validateConfig } from '../../src/app/config.js';
import { serve } from '../../src/app/serve.js';

async function open(url: string): Promise<Socket & { received: () => string; ended: Promise<void> }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return Object.assign(socket, { received: () => received, ended });
}

/** Resolves once `socket` has received text matching `pattern`. */
async function until(socket: Socket & { received: () => string }, pattern: RegExp): Promise<string> {
  while (!pattern.test(socket.received())) await once(socket, 'data');
  return socket.received();
}

const start = (http: Record<string, number>) => serve(validateConfig({ store: 'memory', logLevel: 'silent', http }), { port: 0 });

describe('serve: HTTP limits', { timeout: 30_000 }, () => {
  test('a request whose body never finishes is cut off at http.requestTimeout (408, connection closed)', async () => {
    const server = await start({ requestTimeout: 1, headersTimeout: 1 });
    try {
      const socket = await open(server.url);
      socket.write('POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type');
      await socket.ended;
      assert.match(socket.received(), /^HTTP\/1\.1 408 /);
    } finally {
      await server.close();
    }
  });

  test('connections past http.maxConnections are closed as they arrive, the others keep working', async () => {
    const server = await start({ maxConnections: 2 });
    try {
      const held = [await open(server.url), await open(server.url)];
      const extra = await open(server.url);
      await extra.ended;
      assert.equal(extra.received(), '');
      for (const socket of held) {
        socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
        assert.match(await until(socket, /\r\n\r\n\{"status":"ok"\}/), /^HTTP\/1\.1 200 /);
        socket.destroy();
      }
    } finally {
      await server.close();
    }
  });

  test('stopping closes idle keep-alive connections at once and sends Connection: close on a response in flight', async () => {
    const server = await start({});
    const idle = await open(server.url);
    idle.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    const first = await until(idle, /\{"status":"ok"\}/);
    assert.match(first, /connection: keep-alive/i);

    // A token request whose body is still on its way when the stop begins.
    const busy = await open(server.url);
    const body = 'grant_type=client_credentials';
    busy.write(`POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\ngrant`);
    await new Promise((resolve) => setImmediate(resolve));
    const closing = server.close();

    // The idle connection goes while the busy one is still waiting for its body.
    await idle.ended;
    assert.equal(busy.closed, false);
    busy.write(body.slice('grant'.length));
    await busy.ended;
    const answer = busy.received();
    assert.match(answer, /^HTTP\/1\.1 401 /, 'the request in flight is still answered');
    assert.match(answer, /\r\nconnection: close\r\n/i);
    await closing;
  });
});
