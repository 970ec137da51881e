/** The adapter contract against node:http through `createRequestListener`. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createRequestListener, sendOAuthResponse, toOAuthRequest } from '../../src/adapters/node.js';
import { RESOURCES, SECURE_BODY, adapterContract, interaction, listen } from './contract.js';
import { createTestServer } from '../helpers/fixtures.js';

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

describe('node:http: an async fallback that rejects', () => {
  test('answers 500 and reports the error through onError, never an unhandled rejection that ends the process', async () => {
    const reported: unknown[] = [];
    const { server } = await createTestServer({ onError: (err) => void reported.push(err) });
    const boom = new Error('the resource failed');
    const host = await listen(createServer(createRequestListener(server, {
      async fallback() {
        throw boom;
      },
    })));
    try {
      const response = await fetch(`${host.url}/resource`);
      assert.equal(response.status, 500);
      assert.deepEqual(reported, [boom]);
    } finally {
      await host.close();
    }
  });
});
