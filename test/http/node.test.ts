/** The node:http host: routing, body reading and writing, over a real socket on port 0. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequestListener } from '../../src/adapters/node.js';
import { REDIRECT_URI, createTestServer } from '../helpers/fixtures.js';
import { basicAuth, form } from '../helpers/http.js';
import { resourceOwner } from '../helpers/flows.js';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('node:http host (createRequestListener)', () => {
  let base = '';
  let plainBase = '';
  const http = createServer();
  const plain = createServer();

  before(async () => {
    const { server } = await createTestServer({ maxBodyBytes: 2048 });
    http.on('request', createRequestListener(server, { interaction: { authorize: async () => ({ type: 'decision', decision: { user: resourceOwner, allow: true } }) } }));
    plain.on('request', createRequestListener(server));
    base = await listen(http);
    plainBase = await listen(plain);
  });
  after(() => Promise.all([close(http), close(plain)]));

  const cc = () => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth('service', 'service-secret') }, body: 'grant_type=client_credentials' });

  it('serves the token endpoint and writes the response as the core made it (RFC 6749 §5.1)', async () => {
    const response = await fetch(`${base}/oauth/token`, cc());
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('pragma'), 'no-cache');
    assert.equal(((await response.json()) as { token_type: string }).token_type, 'Bearer');
  });

  it('refuses an oversized body with 413 even when it arrives in many chunks', async () => {
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 64; i++) controller.enqueue(new TextEncoder().encode(i === 0 ? 'grant_type=client_credentials&pad=' : 'x'.repeat(1024)));
        controller.close();
      },
    });
    const response = await fetch(`${base}/oauth/token`, { ...cc(), body: chunks, duplex: 'half' } as RequestInit);
    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_request');
  });

  it('a GET to the token endpoint is 405 with Allow: POST (RFC 9110 §15.5.6)', async () => {
    const response = await fetch(`${base}/oauth/token?grant_type=client_credentials`);
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'POST');
  });

  it('serves metadata and an empty JWKS for opaque tokens (RFC 8414 §3)', async () => {
    const metadata = await fetch(`${base}/.well-known/oauth-authorization-server`);
    assert.equal(metadata.status, 200);
    assert.equal(((await metadata.json()) as { token_endpoint: string }).token_endpoint, 'http://localhost:9191/oauth/token');
    const jwks = await fetch(`${base}/.well-known/jwks.json`);
    assert.deepEqual(await jwks.json(), { keys: [] });
  });

  it('runs the authorization endpoint through the interact hook and redirects with 302 (RFC 6749 §4.1.2)', async () => {
    const query = form({ response_type: 'code', client_id: 'SkyVaultapp', redirect_uri: REDIRECT_URI, state: 'xyz' });
    const response = await fetch(`${base}/authorize?${query}`, { redirect: 'manual' });
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get('location') ?? '');
    assert.equal(location.searchParams.get('state'), 'xyz');
    assert.ok(location.searchParams.get('code'));
  });

  it('shows an error, never a redirect, for an unknown client (RFC 6749 §4.1.2.1)', async () => {
    const response = await fetch(`${base}/authorize?response_type=code&client_id=nobody&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, { redirect: 'manual' });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('location'), null);
  });

  it('without an interact hook a valid authorization request is 501, never a code', async () => {
    const response = await fetch(`${plainBase}/authorize?response_type=code&client_id=SkyVaultapp`, { redirect: 'manual' });
    assert.equal(response.status, 501);
    assert.equal(response.headers.get('location'), null);
  });

  it('answers 404 for other paths', async () => {
    assert.equal((await fetch(`${base}/elsewhere`)).status, 404);
  });
});
