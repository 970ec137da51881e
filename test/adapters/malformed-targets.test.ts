/**
 * Total request parsing on every host (issue 16, vulnerability 1; SECURITY-CHECKLIST "Added after
 * the first outside attack"): request-targets and bytes that once threw out of a request handler
 * (`OPTIONS *` made `pathOf` throw inside the node:http listener and the process exited) are sent
 * with node:net, exactly, to the five adapters and to `tollgate serve`. Every one must be answered
 * below 500, and the host must still serve a normal request afterwards.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import createExpressApp from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import type { AuthorizationServer } from '../../src/index.js';
import { createRequestListener } from '../../src/adapters/node.js';
import { express } from '../../src/adapters/express.js';
import { tollgate } from '../../src/adapters/fastify.js';
import { koa } from '../../src/adapters/koa.js';
import { fetchHandler } from '../../src/adapters/fetch.js';
import { REDIRECT_URI, createTestServer } from '../helpers/fixtures.js';
import { demoConfig, startCli } from '../helpers/app-server.js';
import type { RunningCli } from '../helpers/app-server.js';
import { INTERNAL_DETAIL, rawExchange, rawRequest } from '../helpers/raw-http.js';
import type { RunningHost } from './contract.js';
import { interaction, listen } from './contract.js';

const AUTHORIZE = `response_type=code&client_id=SkyVaultapp&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`;

/** The hostile requests: name -> exact bytes. */
const CASES: ReadonlyArray<readonly [string, Buffer]> = [
  ['OPTIONS * (RFC 9112 §3.2.4 asterisk-form)', rawRequest('OPTIONS * HTTP/1.1')],
  ['POST * with a form body', rawRequest('POST * HTTP/1.1', 'grant_type=client_credentials')],
  ['absolute-form with a port out of range', rawRequest('GET http://x:99999/oauth/token HTTP/1.1')],
  ['absolute-form with a broken IPv6 literal', rawRequest('GET http://[::1/x HTTP/1.1')],
  ['absolute-form with a broken IPv6 literal and an endpoint path', rawRequest('POST http://[::1/oauth/token HTTP/1.1', 'grant_type=client_credentials')],
  ['a raw NUL byte in the path', rawRequest('GET /oauth/token\u0000x HTTP/1.1')],
  ['an encoded NUL in the path', rawRequest('GET /oauth/token%00 HTTP/1.1')],
  ['a raw NUL byte in the query', rawRequest(`GET /authorize?${AUTHORIZE}&state=a\u0000b HTTP/1.1`)],
  ['an encoded NUL in client_id and state', rawRequest(`GET /authorize?response_type=code&client_id=Sky%00Vaultapp&state=a%00b HTTP/1.1`)],
  ['characters above U+00FF in the query', rawRequest(`GET /authorize?${AUTHORIZE}&state=\u0100\u2603\u{1F98A} HTTP/1.1`)],
  ['raw CR/LF in a token form body', rawRequest('POST /oauth/token HTTP/1.1', 'grant_type=password&username=ad\r\nmin&password=ti\rger\n')],
  ['characters above U+00FF in a token form body', rawRequest('POST /oauth/token HTTP/1.1', 'grant_type=password&username=\u0100dmin&password=\u2603\u{1F98A}')],
  ['invalid UTF-8 in a token form body', rawRequest('POST /oauth/token HTTP/1.1', Uint8Array.from([0x67, 0x3d, 0xff, 0xfe, 0xc3, 0x28]))],
  ['raw CR/LF and U+0100+ in an authorization form body', rawRequest('POST /authorize HTTP/1.1', `${AUTHORIZE}&state=a\r\nSet-Cookie: x=1\r\n\u0100\u{1F98A}`)],
  ['an encoded CR/LF in state', rawRequest(`GET /authorize?${AUTHORIZE}&state=a%0D%0ALocation:%20https://evil.example HTTP/1.1`)],
  ['raw CR/LF and U+0100+ in a revocation form body', rawRequest('POST /oauth/revoke HTTP/1.1', 'token=a\r\nb\u0100\u{1F98A}')],
];

/** Sends every case, then a normal request, to the host at `url`. */
async function assertTotal(url: string): Promise<void> {
  for (const [name, bytes] of CASES) {
    const response = await rawExchange(url, bytes);
    assert.notEqual(response.status, undefined, `${name}: the connection closed without an answer`);
    const status = response.status ?? 0;
    if (status >= 500) assert.doesNotMatch(response.body, INTERNAL_DETAIL, `${name}: the ${status} body carries an internal message`);
    assert.ok(status < 500, `${name}: answered ${status}\n${response.head}\n${response.body}`);
  }
  // The host survived: an ordinary request is still served.
  const metadata = await fetch(`${url}/.well-known/oauth-authorization-server`);
  assert.equal(metadata.status, 200);
  assert.equal(((await metadata.json()) as { issuer?: unknown }).issuer !== undefined, true);
}

type Start = (server: AuthorizationServer) => Promise<RunningHost>;

/** Each adapter mounted the plain way its README example shows, nothing else on the host. */
const HOSTS: ReadonlyArray<readonly [string, Start]> = [
  ['node:http createRequestListener', async (server) => listen(createServer(createRequestListener(server, { interaction })))],
  [
    'Express express()',
    async (server) => {
      const app = createExpressApp();
      app.use(express(server, { interaction }));
      return listen(createServer(app));
    },
  ],
  [
    'Fastify tollgate plugin',
    async (server) => {
      const app = Fastify();
      await app.register(tollgate, { server, interaction });
      await app.listen({ port: 0, host: '127.0.0.1' });
      return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
    },
  ],
  [
    'Koa koa()',
    async (server) => {
      const app = new Koa();
      app.use(koa(server, { interaction }));
      return listen(createServer(app.callback()));
    },
  ],
  [
    'Fetch fetchHandler under Hono',
    async (server) => {
      const app = new Hono();
      const handler = fetchHandler(server, { interaction });
      app.all('*', (c) => handler(c.req.raw));
      return new Promise((resolve) => {
        const http = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
          resolve({ url: `http://127.0.0.1:${info.port}`, close: () => new Promise<void>((done) => http.close(() => done())) });
        });
      });
    },
  ],
];

describe('total request parsing: malformed request-targets and bytes never throw or answer 5xx', () => {
  for (const [name, start] of HOSTS) {
    describe(name, () => {
      let host: RunningHost;
      before(async () => {
        host = await start((await createTestServer()).server);
      });
      after(() => host.close());

      test(`${name}: every malformed request is answered below 500 and the host keeps serving`, async () => {
        await assertTotal(host.url);
      });
    });
  }

  describe('tollgate serve', () => {
    let cli: RunningCli;
    before(async () => {
      cli = await startCli(demoConfig());
    });
    after(() => cli.stop());

    test('tollgate serve: every malformed request is answered below 500 and the process keeps serving', async () => {
      await assertTotal(cli.url);
      // The pages' own form endpoints take the same bytes.
      for (const path of ['/authorize/login', '/logout']) {
        const response = await rawExchange(cli.url, rawRequest(`POST ${path} HTTP/1.1`, 'csrf_token=a\r\nb&username=\u0100\u{1F98A}\u0000&password=x'));
        assert.ok((response.status ?? 500) < 500, `${path}: answered ${response.status}\n${response.body}`);
      }
      assert.equal(cli.process.exitCode, null, `the process exited:\n${cli.output()}`);
      assert.equal((await fetch(`${cli.url}/health`)).status, 200);
    });
  });
});
