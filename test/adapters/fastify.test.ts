/**
 * The adapter contract against Fastify. The plugin mounts no authorization endpoint, so this host
 * mounts one through the adapter's own `toOAuthRequest` and `sendOAuthResponse`.
 */
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { sendOAuthResponse, toOAuthRequest, tollgate } from '../../src/adapters/fastify.js';
import { RESOURCES, SECURE_BODY, adapterContract, decide } from './contract.js';

adapterContract('Fastify', async (server) => {
  const app = Fastify();
  await app.register(tollgate, { server });
  app.all(server.options.endpoints.authorization, async (request, reply) => {
    const oauthRequest = toOAuthRequest(request);
    const result = await server.authorize(oauthRequest);
    if (result.type !== 'interaction') return sendOAuthResponse(reply, result.response);
    return sendOAuthResponse(reply, (await server.authorize(oauthRequest, decide(request.headers))).response);
  });
  for (const [path, scope] of Object.entries(RESOURCES)) {
    app.all(path, { preHandler: app.authenticate(scope ? { scope } : {}) }, async () => SECURE_BODY);
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
});
