/**
 * The request log's completed line is built by hand for speed (src/app/request-log.ts): it must be the
 * line pino writes for `reply.log.info({ req, res, responseTime }, 'request completed')`, byte for byte,
 * or log queries and collectors would see two shapes. Both are written for the same request, with the
 * clock and the elapsed time held still, and compared whole; one path holds quotes, which JSON escapes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LogStream } from '../../src/app/log-destination.js';
import { RequestLog, requestFields } from '../../src/app/request-log.js';

/** A LogStream that keeps what it is given. */
function capture(): LogStream & { lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (line) => void lines.push(line), flushSync: () => undefined, end: () => undefined };
}

/** Writes the hand-built line, then pino's own for the same request; the clock and the elapsed time are held still. */
class BothLines extends RequestLog {
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    Object.defineProperty(reply, 'elapsedTime', { value: 3.0625 });
    super.requestCompleted(error, request, reply);
    reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/** Sends `target` as it is, on a socket (inject would normalise it), and answers what was logged. */
async function linesFor(level: string, target: string, log: (stream: LogStream) => RequestLog) {
  const stream = capture();
  const app = Fastify({ logger: { level, stream, serializers: { req: requestFields } }, logController: log(stream) });
  app.get('/*', async (_request, reply) => reply.code(401).send({ error: 'invalid_token' }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const answer = await new Promise<string>((resolve, reject) => {
    let text = '';
    const socket = connect(port, '127.0.0.1', () => socket.end(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`));
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
  assert.match(answer, /^HTTP\/1\.1 401 /);
  await app.close();
  return stream.lines;
}

describe('the request log line', () => {
  for (const url of ['/secure?access_token=a-secret-value', '/a/"quoted"/%C3%A9?x=1', '/']) {
    test(`is the line pino writes for the same request (${JSON.stringify(url)})`, async (t) => {
      t.mock.method(Date, 'now', () => 1764633600123);
      const lines = await linesFor('info', url, (stream) => new BothLines(stream));
      const [ours, pinos, ...rest] = lines.filter((l) => l.includes('"msg":"request completed"'));
      assert.equal(rest.length, 0, 'one line each');
      assert.ok(ours !== undefined && pinos !== undefined, 'both lines written');
      assert.equal(ours, pinos);
      const line = JSON.parse(ours) as { req: { path: string }; responseTime: number; time: number };
      assert.equal(line.req.path, url.slice(0, url.includes('?') ? url.indexOf('?') : undefined), 'the path, never the query');
      assert.equal(line.responseTime, 3.0625);
      assert.equal(line.time, 1764633600123);
    });
  }

  test('is written at info, debug and trace, and not above', async () => {
    for (const level of ['trace', 'debug', 'info']) {
      const lines = await linesFor(level, '/secure', (stream) => new RequestLog(stream));
      assert.equal(lines.filter((l) => l.includes('"msg":"request completed"')).length, 1, level);
    }
    for (const level of ['warn', 'error', 'fatal', 'silent']) {
      assert.deepEqual(await linesFor(level, '/secure', (stream) => new RequestLog(stream)), [], level);
    }
  });
});
