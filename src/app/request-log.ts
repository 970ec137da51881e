/**
 * The request log: one line per request, written when its answer is known ("request completed",
 * with the request's method, path and address, the status and the time taken), instead of
 * Fastify's two (one on arrival, one on completion). Every request is still logged at `info`; the
 * arrival line stays for `debug`, where a request that never completes is worth seeing. Half the
 * lines is half of logging's cost per request (issue 17: request logging cost the default config
 * about half its throughput).
 */
import { LogController } from 'fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';

export class RequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
