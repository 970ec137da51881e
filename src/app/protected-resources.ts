/**
 * The server's protected-resource metadata (RFC 9728): for the demo resource `/secure`, and for
 * each configured resource (RFC 8707) that lives on this server's origin. A resource elsewhere
 * (an MCP server on its own host) serves its own, with `tollgate/resource`.
 */
import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import type { AuthorizationServer } from '../authorization-server.js';
import type { ProtectedResource } from '../resource-server.js';
import { createProtectedResource } from '../resource-server.js';
import { sendOAuthResponse, toOAuthRequest } from '../adapters/fastify.js';
import type { ResourceConfig } from './config.js';

/** The identifier of the demo resource `/secure`. */
export function secureResourceUri(issuer: string): string {
  return `${issuer}/secure`;
}

/**
 * Mounts the metadata routes; returns `/secure`'s resource, whose challenges point at its metadata.
 * `dpopAlgorithms`: the proof algorithms `/secure` accepts when DPoP is on, listed in its metadata as
 * `dpop_signing_alg_values_supported` (RFC 9728 §2).
 */
export function mountProtectedResources(
  app: FastifyInstance,
  issuer: string,
  resources: readonly ResourceConfig[],
  dpopAlgorithms: readonly string[] | undefined,
): ProtectedResource {
  const origin = new URL(issuer).origin;
  const served = resources.filter((r) => new URL(r.uri).origin === origin);
  const secureUri = secureResourceUri(issuer);
  const all = served.some((r) => r.uri === secureUri) ? served : [...served, { uri: secureUri, scope: '' }];
  let secure: ProtectedResource | undefined;
  for (const r of all) {
    const resource = createProtectedResource({
      resource: r.uri,
      authorizationServers: [issuer],
      ...(r.scope !== '' && { scopesSupported: r.scope.split(' ') }),
      ...(r.uri === secureUri && dpopAlgorithms !== undefined && { dpop: { algorithms: dpopAlgorithms } }),
    });
    if (r.uri === secureUri) secure = resource;
    app.get(resource.metadataPath, async (request, reply) => {
      const response = resource.handle(toOAuthRequest(request));
      return response ? sendOAuthResponse(reply, response) : reply.callNotFound();
    });
  }
  return secure as ProtectedResource;
}

/**
 * `/secure`, the demo resource: "Secure Hello!" for a valid token. It takes the tokens asked for no
 * resource in particular (no `resource`: they carry no audience binding) and those bound to it,
 * never a token whose audience names other resources only (RFC 8707 §2, RFC 9068 §4): a token
 * issued for an MCP server must not open this server's own resource: the core's `resource` option
 * with `allowNoAudience`, so the refusal is the core's challenge (RFC 6750 §3.1, beside DPoP's when
 * on, RFC 9449 §7.1) and is counted as a refusal. One handler, not a preHandler and a handler: a
 * bearer check is the hottest request a resource serves, and each hook stage is a promise and a
 * hook-runner turn per request.
 */
export function secureHandler(server: AuthorizationServer, secure: ProtectedResource): RouteHandlerMethod {
  const required = { resourceMetadata: secure.metadataUrl, resource: secure.metadata.resource, allowNoAudience: true };
  return async (request, reply) => {
    const result = await server.authenticate(toOAuthRequest(request), required);
    if (result.type === 'error') return sendOAuthResponse(reply, result.response);
    return reply.type('text/plain; charset=utf-8').send('Secure Hello!');
  };
}
