/** The adapter contract against node:http through `createRequestListener`, with and without `writeAtTurnEnd`. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AuthorizationServer } from '../../src/index.js';
import { createRequestListener, sendOAuthResponse, toOAuthRequest, writeAtTurnEnd } from '../../src/adapters/node.js';
import { RESOURCES, SECURE_BODY, adapterContract, interaction, listen } from './contract.js';
import { createTestServer } from '../helpers/fixtures.js';

function nodeHost(server: AuthorizationServer) {
  return createRequestListener(server, {
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
}

adapterContract('node:http', (server) => listen(createServer(nodeHost(server))));

// The whole contract again with each turn's answers written together, as `tollgate serve` writes them.
adapterContract('node:http, writes held to the turn\'s end (writeAtTurnEnd)', (server) => {
  const httpServer = createServer(nodeHost(server));
  writeAtTurnEnd(httpServer);
  return listen(httpServer);
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

describe('node:http: sendOAuthResponse', () => {
  test('a 204 carries no Content-Length, a body its byte length (RFC 9110 §8.6, RFC 9112 §6.3)', async () => {
    const answers = [
      { status: 204, headers: { 'Cache-Control': 'no-store' }, body: '' },
      { status: 200, headers: { 'Content-Type': 'application/json' }, body: '{"name":"Zoë"}' },
    ];
    const host = await listen(createServer((req, res) => sendOAuthResponse(res, answers[Number(req.url?.slice(1))]!)));
    try {
      const empty = await fetch(`${host.url}/0`);
      assert.equal(empty.status, 204);
      assert.equal(empty.headers.get('content-length'), null);
      const named = await fetch(`${host.url}/1`);
      assert.equal(named.headers.get('content-length'), '15');
      assert.equal(await named.text(), '{"name":"Zoë"}');
    } finally {
      await host.close();
    }
  });
});
