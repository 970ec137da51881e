/** The app's own answers: HTML pages with their security headers, and RFC 6749 §5.2 JSON errors for what the app refuses itself. */
import type { FastifyReply } from 'fastify';
import type { OAuthError } from '../index.js';
import { PAGE_HEADERS } from './views.js';

export function sendPage(reply: FastifyReply, status: number, page: string, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(status).headers({ ...PAGE_HEADERS, ...headers }).send(page);
}

/** A §5.2 error body with the status given (e.g. 429, which no RFC 6749 code carries). */
export function sendOAuthError(reply: FastifyReply, status: number, error: OAuthError, headers: Record<string, string> = {}): FastifyReply {
  return reply
    .code(status)
    .headers({ 'Content-Type': 'application/json;charset=UTF-8', 'Cache-Control': 'no-store', Pragma: 'no-cache', ...error.headers, ...headers })
    .send(JSON.stringify({ error: error.error, error_description: error.description }));
}
