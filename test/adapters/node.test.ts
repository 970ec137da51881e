/** The adapter contract against node:http through `createRequestListener`. */
import { createServer } from 'node:http';
import { createRequestListener, sendOAuthResponse, toOAuthRequest } from '../../src/adapters/node.js';
import { RESOURCES, SECURE_BODY, adapterContract, interaction, listen } from './contract.js';

adapterContract('node:http', (server) => {
  const listener = createRequestListener(server, {
    interaction,
    fallback(req, res) {
      const path = new URL(req.url ?? '/', 'http://host').pathname;
      if (!(path in RESOURCES)) return void res.writeHead(404).end();
      const scope = RESOURCES[path];
      toOAuthRequest(req)
        .then((request) => server.authenticate(request, scope ? { scope } : {}))
        .then((result) => (result.type === 'error' ? sendOAuthResponse(res, result.response) : void res.end(SECURE_BODY)))
        .catch(() => res.writeHead(500).end());
    },
  });
  return listen(createServer(listener));
});
