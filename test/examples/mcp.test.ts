/**
 * examples/mcp: the official MCP SDK's client `auth()` from zero (discovery, dynamic registration,
 * authorization with PKCE and resource, token, tool call, refresh) against the example MCP server
 * protected by `tollgate serve` in another process, with opaque and with JWT access tokens.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import type { RunningCli } from '../helpers/app-server.js';
import { startCli, tempDir } from '../helpers/app-server.js';
import { selfSignedCertificate, startDocumentServer } from '../helpers/document-server.js';
import { authorizeThroughPages, createAgent } from '../helpers/app-agent.js';
import { admin } from '../helpers/fixtures.js';
import { runMcpClient } from '../../examples/mcp/client.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INTROSPECTOR = { client_id: 'mcp-server', client_secret: 'mcp-server-introspection-secret-0123456789' };
const running: Array<{ stop(): Promise<unknown> }> = [];

after(async () => {
  for (const process of running.reverse()) await process.stop();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts an example script as its header says; resolves with what it printed once it prints `ready`. */
async function startExample(script: string, env: Record<string, string>, ready: RegExp): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env: { ...process.env, ...env } });
  running.push({ stop: async () => child.exitCode === null && (child.kill(), await once(child, 'exit')) });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (ready.test(output)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}:\n${output}`)));
  });
  return output;
}

/** Starts examples/mcp/mcp-server.ts as its header says; resolves once it listens. */
async function startMcpServer(env: Record<string, string>): Promise<string> {
  return startExample('examples/mcp/mcp-server.ts', env, /MCP server listening on/);
}

/** The person at the browser: signs in as admin and allows, through tollgate's pages. */
function approveAs(cli: RunningCli) {
  return async (url: URL): Promise<URL> => {
    assert.equal(url.origin, cli.url, 'the SDK sends the person to tollgate');
    const page = await authorizeThroughPages(createAgent(cli.url), Object.fromEntries(url.searchParams), admin);
    assert.ok(page.location, `no redirect: ${page.status} ${page.body}`);
    return new URL(page.location);
  };
}

for (const format of ['opaque', 'jwt'] as const) {
  describe(`examples/mcp with ${format} access tokens`, () => {
    test('the SDK client completes discovery -> DCR -> PKCE + resource -> token bound to the MCP server -> tool call -> refresh', async () => {
      const mcpPort = await freePort();
      const mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;
      const cli = await startCli({
        store: 'memory',
        accessTokenFormat: format,
        clients: [{ ...INTROSPECTOR, grant_types: ['client_credentials'], redirect_uris: [], scope: 'mcp:tools', introspection_allowed: true }],
        users: [admin],
        resources: [{ uri: mcpUrl, scope: 'mcp:tools' }],
        registration: { enabled: true },
      });
      running.push(cli);
      await startMcpServer({
        AUTH_SERVER: cli.url,
        PORT: String(mcpPort),
        TOKENS: format,
        INTROSPECTION_CLIENT_ID: INTROSPECTOR.client_id,
        INTROSPECTION_CLIENT_SECRET: INTROSPECTOR.client_secret,
      });

      // The MCP server refuses a call without a token, pointing at its metadata (RFC 9728 §5.1).
      const bare = await fetch(mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
      assert.equal(bare.status, 401);
      assert.match(bare.headers.get('www-authenticate') ?? '', new RegExp(`resource_metadata="http://127\\.0\\.0\\.1:${mcpPort}/\\.well-known/oauth-protected-resource/mcp"`));

      const run = await runMcpClient(new URL(mcpUrl), 'http://127.0.0.1:43117/callback', approveAs(cli));
      assert.ok(run.clientId.length > 0, 'the SDK registered a client (RFC 7591)');
      assert.ok(run.steps.some((step) => step.includes(`resource=${mcpUrl}`)), run.steps.join('\n'));
      const whoami = run.whoami as { clientId: string; audience: string[]; scope: string[] };
      assert.equal(whoami.clientId, run.clientId);
      assert.deepEqual(whoami.audience, [mcpUrl], 'the token\'s audience is the MCP server (RFC 8707)');
      assert.deepEqual(whoami.scope, ['mcp:tools']);
      assert.notEqual(run.refreshed.access_token, run.tokens.access_token);
      assert.deepEqual((run.whoamiAfterRefresh as { audience: string[] }).audience, [mcpUrl]);
      if (format === 'jwt') assert.equal(decodeJwt(run.tokens.access_token).aud, mcpUrl);

      // A token of the same server for another resource is refused by the MCP server.
      const other = await fetch(`${cli.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${INTROSPECTOR.client_id}:${INTROSPECTOR.client_secret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: `${cli.url}/secure` }),
      });
      const { access_token: foreign } = (await other.json()) as { access_token: string };
      const refused = await fetch(mcpUrl, { method: 'POST', headers: { authorization: `Bearer ${foreign}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
      assert.equal(refused.status, 401);
      assert.match(refused.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    });
  });
}

describe('examples/mcp with a pre-registered native client', () => {
  test('the SDK client, registered beforehand with http://localhost, completes the flow on a random localhost port (RFC 8252 §7.3)', async () => {
    const mcpPort = await freePort();
    const mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;
    const cli = await startCli({
      store: 'memory',
      clients: [
        { ...INTROSPECTOR, grant_types: ['client_credentials'], redirect_uris: [], scope: 'mcp:tools', introspection_allowed: true },
        { client_id: 'desktop-app', application_type: 'native', redirect_uris: ['http://localhost/callback'], grant_types: ['authorization_code', 'refresh_token'], scope: 'mcp:tools' },
      ],
      users: [admin],
      resources: [{ uri: mcpUrl, scope: 'mcp:tools' }],
    });
    running.push(cli);
    const metadata = (await (await fetch(`${cli.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    assert.equal(metadata.registration_endpoint, undefined, 'registration is off: the client must be pre-registered');
    await startMcpServer({ AUTH_SERVER: cli.url, PORT: String(mcpPort), INTROSPECTION_CLIENT_ID: INTROSPECTOR.client_id, INTROSPECTION_CLIENT_SECRET: INTROSPECTOR.client_secret });
    const port = 40000 + Math.floor(Math.random() * 20000);
    const run = await runMcpClient(new URL(mcpUrl), `http://localhost:${port}/callback`, approveAs(cli), { clientId: 'desktop-app' });
    const whoami = run.whoami as { clientId: string; audience: string[] };
    assert.equal(whoami.clientId, 'desktop-app');
    assert.deepEqual(whoami.audience, [mcpUrl]);
    assert.notEqual(run.refreshed.access_token, run.tokens.access_token);
  });
});

describe('examples/mcp with a client ID metadata document (CIMD)', () => {
  test('the SDK client with clientMetadataUrl completes the flow with no registration: tollgate fetches its https document', async (t) => {
    const tls = selfSignedCertificate(tempDir());
    if (!tls) return t.skip('openssl is not installed: no certificate for the local https document server');
    const mcpPort = await freePort();
    const mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;
    const redirectUrl = `http://127.0.0.1:${await freePort()}/callback`;
    const docs = await startDocumentServer({}, tls);
    running.push({ stop: () => docs.close() });
    const clientMetadataUrl = `${docs.url}/mcp-client.json`;
    docs.route('/mcp-client.json', {
      json: { client_id: clientMetadataUrl, client_name: 'CIMD MCP client', redirect_uris: [redirectUrl], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' },
    });
    // The document is on 127.0.0.1 (allowPrivateNetworks, for tests) with a certificate tollgate is told to trust.
    const cli = await startCli(
      {
        store: 'memory',
        clients: [{ ...INTROSPECTOR, grant_types: ['client_credentials'], redirect_uris: [], scope: 'mcp:tools', introspection_allowed: true }],
        users: [admin],
        resources: [{ uri: mcpUrl, scope: 'mcp:tools' }],
        clientIdMetadataDocuments: { enabled: true, allowPrivateNetworks: true },
      },
      { env: { NODE_EXTRA_CA_CERTS: tls.certFile } },
    );
    running.push(cli);
    await startMcpServer({ AUTH_SERVER: cli.url, PORT: String(mcpPort), INTROSPECTION_CLIENT_ID: INTROSPECTOR.client_id, INTROSPECTION_CLIENT_SECRET: INTROSPECTOR.client_secret });
    const run = await runMcpClient(new URL(mcpUrl), redirectUrl, approveAs(cli), { clientMetadataUrl });
    assert.equal(run.clientId, clientMetadataUrl, run.steps.join('\n'));
    assert.ok(docs.hits('/mcp-client.json') >= 1, 'tollgate fetched the document');
    const whoami = run.whoami as { clientId: string; audience: string[] };
    assert.equal(whoami.clientId, clientMetadataUrl);
    assert.deepEqual(whoami.audience, [mcpUrl]);
    assert.notEqual(run.refreshed.access_token, run.tokens.access_token);
  });
});

describe('examples/mcp in one process: tollgate\'s core and the MCP server together', () => {
  /** The person at the browser, on the example's own sign-in page: posts the form back with alice's credentials. */
  async function signInAsAlice(url: URL): Promise<URL> {
    const login = await fetch(url);
    const html = await login.text();
    assert.equal(login.status, 200, html);
    const form = new URLSearchParams();
    for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
      form.append(unescapeHtml(name ?? ''), unescapeHtml(value ?? ''));
    }
    form.set('username', 'alice');
    form.set('password', 'wonderland');
    const back = await fetch(new URL('/authorize', url), { method: 'POST', body: form, redirect: 'manual' });
    assert.equal(back.status, 303, await back.text());
    return new URL(back.headers.get('location') ?? '');
  }

  test('the SDK client completes discovery -> DCR -> PKCE + resource -> token bound to the MCP server -> tool call -> refresh, the token checked in-process', async () => {
    const printed = await startExample('examples/mcp/one-process.ts', { PORT: '0' }, /listening on http:\/\/127\.0\.0\.1:\d+ /);
    const origin = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(printed)?.[1] ?? '';
    const mcpUrl = `${origin}/mcp`;

    // No token: the challenge points at the MCP server's metadata (RFC 9728 §5.1), which names this same origin as its authorization server.
    const bare = await fetch(mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    assert.equal(bare.status, 401);
    assert.match(bare.headers.get('www-authenticate') ?? '', /resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp"/);
    const metadata = (await (await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    assert.deepEqual(metadata.authorization_servers, [origin]);

    const run = await runMcpClient(new URL(mcpUrl), `http://127.0.0.1:${await freePort()}/callback`, signInAsAlice);
    assert.ok(run.clientId.length > 0, 'the SDK registered a client (RFC 7591)');
    assert.ok(run.steps.some((step) => step.includes(`resource=${mcpUrl}`)), run.steps.join('\n'));
    const whoami = run.whoami as { clientId: string; audience: string[]; scope: string[] };
    assert.equal(whoami.clientId, run.clientId);
    assert.deepEqual(whoami.audience, [mcpUrl], 'the token\'s audience is the MCP server (RFC 8707)');
    assert.deepEqual(whoami.scope, ['mcp:tools']);
    assert.notEqual(run.refreshed.access_token, run.tokens.access_token);
    assert.deepEqual((run.whoamiAfterRefresh as { audience: string[] }).audience, [mcpUrl]);

    // A token the core did not issue is refused by the MCP server.
    const refused = await fetch(mcpUrl, { method: 'POST', headers: { authorization: 'Bearer not-a-token', 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });
});

function unescapeHtml(text: string): string {
  return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}
