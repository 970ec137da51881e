/**
 * A local HTTP server of documents a client names (client ID metadata documents, JWK Sets), on
 * 127.0.0.1 and port 0, that counts what was fetched. Reached only with `allowPrivateNetworks`.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Answers one path: a JSON document (served as application/json), or a handler writing anything. */
export type DocumentRoute = { json: unknown; headers?: Record<string, string> } | ((req: IncomingMessage, res: ServerResponse) => void);

export interface DocumentServer {
  /** e.g. http://127.0.0.1:53121 */
  url: string;
  /** Serve (or replace) a path. */
  route(path: string, answer: DocumentRoute): void;
  /** How many requests reached a path. */
  hits(path: string): number;
  close(): Promise<void>;
}

export async function startDocumentServer(routes: Record<string, DocumentRoute> = {}): Promise<DocumentServer> {
  const table = new Map(Object.entries(routes));
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const answer = table.get(path);
    if (answer === undefined) return res.writeHead(404).end();
    if (typeof answer === 'function') return answer(req, res);
    res.writeHead(200, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify(answer.json));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    route: (path, answer) => table.set(path, answer),
    hits: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
