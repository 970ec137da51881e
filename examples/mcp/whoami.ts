/**
 * The MCP side both variants share: an MCP server (official SDK, Streamable HTTP, stateless) with
 * one tool, `whoami`, that tells the caller what its access token said. Who the caller is, is for
 * the host to find out first (mcp-server.ts asks tollgate over HTTP, one-process.ts asks the core).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

/** The scope the MCP server requires of every call. */
export const SCOPE = ['mcp:tools'];

/** What the MCP server learned about a caller from its token. */
export interface Caller {
  clientId: string;
  subject: string | undefined;
  audience: string[];
  scope: string[];
}

/** Answers one MCP request of an authenticated caller: a fresh MCP server per request (the SDK's stateless mode). */
export async function serveMcp(req: IncomingMessage, res: ServerResponse, caller: Caller): Promise<void> {
  const server = new McpServer({ name: 'tollgate-mcp-example', version: '1.0.0' });
  server.registerTool('whoami', { description: 'Who the access token says you are' }, async () => ({
    content: [{ type: 'text', text: JSON.stringify(caller) }],
  }));
  const transport = new StreamableHTTPServerTransport({});
  res.on('close', () => void transport.close().then(() => server.close()));
  await server.connect(transport);
  await transport.handleRequest(req, res);
}
