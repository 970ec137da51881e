/**
 * `metrics: { port }`: `/metrics` on a port of its own, bound to the same host as the main one, so
 * a firewall can keep it from the internet while the main port is public. It answers GET /metrics
 * and nothing else (404), and never runs the OAuth app.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetricsListener {
  /** Where `/metrics` is served, e.g. `http://127.0.0.1:9464/metrics`. */
  url: string;
  close(): Promise<void>;
}

/** The text format of the registry: `metrics()` for a process's own, or the primary's sum over its workers. */
export interface MetricsSource {
  contentType: string;
  metrics(): Promise<string>;
}

/** The path Prometheus scrapes by default. */
export const METRICS_PATH = '/metrics';

export function listenForMetrics(source: MetricsSource, host: string, port: number): Promise<MetricsListener> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== METRICS_PATH) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found');
      return;
    }
    source.metrics().then(
      (text) => response.writeHead(200, { 'Content-Type': source.contentType }).end(text),
      () => response.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Metrics are not available right now'),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const { address, family, port: bound } = server.address() as AddressInfo;
      const shown = family === 'IPv6' ? `[${address}]` : address;
      resolve({
        url: `http://${shown}:${bound}${METRICS_PATH}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
