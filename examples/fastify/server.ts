/** tollgate on Fastify. */
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { tollgate } from '../../src/adapters/fastify.js';
import { PORT, announce, createDemo } from '../shared/demo.js';

const app = Fastify();
const { server, interaction } = await createDemo();
await app.register(tollgate, { server, interaction });
app.get('/secure', { preHandler: app.authenticate({ scope: ['read'] }) }, async (request) => `Hello, ${request.oauth?.token.client.client_id}!`);
await app.listen({ port: PORT, host: '127.0.0.1' });
announce((app.server.address() as AddressInfo).port);
