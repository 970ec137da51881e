/**
 * An MCP client that starts from nothing but the MCP server's URL and goes through the MCP
 * authorization flow with the official SDK's own `auth()`: protected-resource metadata (RFC 9728)
 * -> authorization server metadata (RFC 8414) -> dynamic client registration (RFC 7591) ->
 * authorization with PKCE and `resource` (RFC 7636, RFC 8707) -> token -> tool call -> refresh.
 *
 *   MCP_URL=http://127.0.0.1:3001/mcp node --import tsx examples/mcp/client.ts
 *
 * Run as a script, it prints the authorization URL for you to open, and catches the redirect on a
 * loopback port (RFC 8252 §7.3). `runMcpClient` lets a test approve in your place.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** Takes the person to the authorization URL; resolves with the URL they were redirected back to. */
export type Approve = (authorizationUrl: URL) => Promise<URL>;

export interface McpClientRun {
  /** What happened, step by step. */
  steps: string[];
  clientId: string;
  tokens: OAuthTokens;
  refreshed: OAuthTokens;
  /** The `whoami` tool's answer, before and after the refresh. */
  whoami: unknown;
  whoamiAfterRefresh: unknown;
}

/** An in-memory OAuthClientProvider: what a desktop app would keep in its keychain. */
class MemoryProvider implements OAuthClientProvider {
  client: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  authorizationUrl: URL | undefined;
  readonly redirectUrl: string;
  /** The https URL of this client's metadata document: its client_id where the server supports them (CIMD). */
  readonly clientMetadataUrl?: string;
  constructor(redirectUrl: string, clientMetadataUrl?: string) {
    this.redirectUrl = redirectUrl;
    if (clientMetadataUrl !== undefined) this.clientMetadataUrl = clientMetadataUrl;
  }
  get clientMetadata(): OAuthClientMetadata {
    // A public client (no secret): a native app cannot keep one (RFC 8252 §8.5).
    return { client_name: 'tollgate MCP example client', redirect_uris: [this.redirectUrl], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

async function callWhoami(mcpUrl: URL, provider: OAuthClientProvider): Promise<unknown> {
  const client = new Client({ name: 'tollgate-mcp-example-client', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
  try {
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    const [content] = result.content as Array<{ type: string; text: string }>;
    return JSON.parse(content?.text ?? 'null') as unknown;
  } finally {
    await client.close();
  }
}

/**
 * The whole flow from zero against the MCP server at `mcpUrl`; `redirectUrl` is the client's
 * loopback callback. With `clientId`, the client was registered beforehand and skips registration.
 * With `clientMetadataUrl`, the client is that metadata document when the server supports them.
 */
export async function runMcpClient(mcpUrl: URL, redirectUrl: string, approve: Approve, options: { clientId?: string; clientMetadataUrl?: string } = {}): Promise<McpClientRun> {
  const steps: string[] = [];
  const provider = new MemoryProvider(redirectUrl, options.clientMetadataUrl);
  if (options.clientId !== undefined) provider.client = { client_id: options.clientId };

  // 1. Discovery, registration and the authorization request: the SDK's auth() does them all.
  const first = await auth(provider, { serverUrl: mcpUrl });
  if (first !== 'REDIRECT' || !provider.authorizationUrl) throw new Error(`expected a redirect to the authorization server, got ${first}`);
  const clientId = provider.client?.client_id ?? '';
  const how = options.clientId !== undefined ? 'pre-registered' : clientId === options.clientMetadataUrl ? 'identified by its metadata document' : 'registered';
  steps.push(`discovered the authorization server; ${how} as client ${clientId}`);
  steps.push(`authorization request: ${provider.authorizationUrl.origin}${provider.authorizationUrl.pathname} with resource=${provider.authorizationUrl.searchParams.get('resource')}`);

  // 2. The person signs in and allows; the redirect brings the code back.
  const back = await approve(provider.authorizationUrl);
  const code = back.searchParams.get('code');
  if (code === null) throw new Error(`the authorization server answered ${back.search}`);
  steps.push('the person approved; code received');

  // 3. The code for tokens (PKCE verifier and resource sent by the SDK).
  if ((await auth(provider, { serverUrl: mcpUrl, authorizationCode: code })) !== 'AUTHORIZED') throw new Error('the code exchange failed');
  const tokens = provider.saved as OAuthTokens;
  steps.push('tokens received');

  // 4. An authenticated tool call.
  const whoami = await callWhoami(mcpUrl, provider);
  steps.push(`tool call whoami: ${JSON.stringify(whoami)}`);

  // 5. Refresh: auth() with a refresh token in hand refreshes.
  if ((await auth(provider, { serverUrl: mcpUrl })) !== 'AUTHORIZED') throw new Error('the refresh failed');
  const refreshed = provider.saved as OAuthTokens;
  const whoamiAfterRefresh = await callWhoami(mcpUrl, provider);
  steps.push(`refreshed; tool call whoami again: ${JSON.stringify(whoamiAfterRefresh)}`);
  return { steps, clientId, tokens, refreshed, whoami, whoamiAfterRefresh };
}

/** As a script: print the URL, wait for the browser's redirect on a loopback port. */
async function main(): Promise<void> {
  const mcpUrl = new URL(process.env.MCP_URL ?? 'http://127.0.0.1:3001/mcp');
  const clientId = process.env.CLIENT_ID;
  const callback = createServer();
  await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
  const redirectUrl = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/callback`;
  const approve: Approve = (url) =>
    new Promise((resolve) => {
      console.log(`Open this URL in a browser, sign in and allow:\n  ${url.href}`);
      callback.once('request', (req, res) => {
        res.end('You can close this window.');
        resolve(new URL(req.url ?? '/', redirectUrl));
      });
    });
  try {
    const run = await runMcpClient(mcpUrl, redirectUrl, approve, clientId === undefined ? {} : { clientId });
    for (const step of run.steps) console.log(`- ${step}`);
  } finally {
    callback.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
