/**
 * The request log: one line per request, written when its answer is known ("request completed",
 * with the request's method, path and address, the status and the time taken), instead of
 * Fastify's two (one on arrival, one on completion). Every request is still logged at `info`; the
 * arrival line stays for `debug`, where a request that never completes is worth seeing. Half the
 * lines is half of logging's cost per request (issue 17: request logging cost the default config
 * about half its throughput).
 */
import { hostname } from 'node:os';
import { LogController } from 'fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LogStream } from './log-destination.js';

/** What a log line says of a request: never its headers, never its query (authorization requests and SkyVault-style token requests carry secrets there). */
export function requestFields(request: FastifyRequest): { method: string; path: string; remoteAddress: string } {
  const url = request.url;
  const q = url.indexOf('?');
  return { method: request.method, path: q === -1 ? url : url.slice(0, q), remoteAddress: request.ip };
}

/** The levels at which `info` lines are written (config.logLevel's, no custom ones). */
const INFO_WRITTEN = new Set(['info', 'debug', 'trace']);

export class RequestLog extends LogController {
  readonly #stream: LogStream;
  /** pino's base fields, the same on every line this process writes. */
  readonly #base = `,"pid":${process.pid},"hostname":${JSON.stringify(hostname())}`;

  /** `stream`: where the app's pino logger writes, so the lines keep their order. */
  constructor(stream: LogStream) {
    super();
    this.#stream = stream;
  }

  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else if (INFO_WRITTEN.has(reply.log.level)) this.#stream.write(this.#completedLine(request, reply));
  }

  /**
   * The line `reply.log.info({ req, res, responseTime }, 'request completed')` writes, byte for byte
   * (test/app/request-log.test.ts holds the two side by side), built here because its shape is fixed.
   * pino's generic path (each key escaped, each value through a serializer and its own stringify, the
   * message through format) cost about 7k instructions more per line: a bearer check at the default
   * config counted 108.2k instructions through it and 101.3k with this (issue 17; bench/README.md,
   * "Instructions per request").
   */
  #completedLine(request: FastifyRequest, reply: FastifyReply): string {
    return `{"level":30,"time":${Date.now()}${this.#base},"reqId":${JSON.stringify(request.id)},"req":${JSON.stringify(requestFields(request))},"res":{"statusCode":${reply.statusCode}},"responseTime":${reply.elapsedTime},"msg":"request completed"}\n`;
  }
}
