/** tollgate on plain node:http. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequestListener, sendOAuthResponse, toOAuthRequest } from '../../src/adapters/node.js';
import { PORT, announce, createDemo } from '../shared/demo.js';

const { server, interaction } = await createDemo();
const http = createServer(
  createRequestListener(server, {
    // The sign-in and consent pages (examples/shared/pages.ts).
    interaction,
    // Everything that is not an OAuth endpoint: the protected resource.
    async fallback(req, res) {
      const result = await server.authenticate(await toOAuthRequest(req), { scope: ['read'] });
      if (result.type === 'error') return sendOAuthResponse(res, result.response);
      res.end(`Hello, ${result.token.client.client_id}!`);
    },
  }),
);
http.listen(PORT, () => announce((http.address() as AddressInfo).port));
