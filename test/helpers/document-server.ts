/**
 * A local HTTP server of documents a client names (client ID metadata documents, JWK Sets), on
 * 127.0.0.1 and port 0, that counts what was fetched. Reached only with `allowPrivateNetworks`.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

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

/** With `tls` (a PEM key and certificate, see selfSignedCertificate), it serves https. */
export async function startDocumentServer(routes: Record<string, DocumentRoute> = {}, tls?: { key: string; cert: string }): Promise<DocumentServer> {
  const table = new Map(Object.entries(routes));
  const counts = new Map<string, number>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const answer = table.get(path);
    if (answer === undefined) res.writeHead(404).end();
    else if (typeof answer === 'function') answer(req, res);
    else res.writeHead(200, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify(answer.json));
  };
  const server = tls ? createTlsServer(tls, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    route: (path, answer) => table.set(path, answer),
    hits: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A self-signed certificate for 127.0.0.1, made with the openssl command (node:crypto cannot make
 * X.509 certificates), in `dir`; undefined when openssl is not installed.
 */
export function selfSignedCertificate(dir: string): { key: string; cert: string; certFile: string } | undefined {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  const made = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' });
  if (made.error || made.status !== 0) return undefined;
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}
