/** The adapter contract against Fastify. */
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { tollgate } from '../../src/adapters/fastify.js';
import { RESOURCES, SECURE_BODY, adapterContract, interaction } from './contract.js';

adapterContract('Fastify', async (server) => {
  const app = Fastify();
  await app.register(tollgate, { server, interaction });
  for (const [path, scope] of Object.entries(RESOURCES)) {
    app.all(path, { preHandler: app.authenticate(scope ? { scope } : {}) }, async () => SECURE_BODY);
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
});
