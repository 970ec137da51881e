/**
 * The server's protected-resource metadata (RFC 9728): for the demo resource `/secure`, and for
 * each configured resource (RFC 8707) that lives on this server's origin. A resource elsewhere
 * (an MCP server on its own host) serves its own, with `tollgate/resource`.
 */
import type { FastifyInstance } from 'fastify';
import type { ProtectedResource } from '../resource-server.js';
import { createProtectedResource } from '../resource-server.js';
import { sendOAuthResponse, toOAuthRequest } from '../adapters/fastify.js';
import type { ResourceConfig } from './config.js';

/** The identifier of the demo resource `/secure`. */
export function secureResourceUri(issuer: string): string {
  return `${issuer}/secure`;
}

/** Mounts the metadata routes; returns `/secure`'s resource, whose challenges point at its metadata. */
export function mountProtectedResources(app: FastifyInstance, issuer: string, resources: readonly ResourceConfig[]): ProtectedResource {
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
    });
    if (r.uri === secureUri) secure = resource;
    app.get(resource.metadataPath, async (request, reply) => {
      const response = resource.handle(toOAuthRequest(request));
      return response ? sendOAuthResponse(reply, response) : reply.callNotFound();
    });
  }
  return secure as ProtectedResource;
}
