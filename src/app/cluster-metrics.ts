/**
 * `/metrics` under `--workers`: each worker counts in its own registry; the primary, which serves
 * no request itself, answers the scrape on the `metrics.port` with their sum (prom-client's
 * AggregatorRegistry asks every worker over the cluster IPC channel) and the worker count. One
 * scrape sees the whole server: scraping the workers one by one is impossible, since they share
 * the main port and a scrape would reach whichever worker the kernel picked.
 */
import { AggregatorRegistry, Gauge, Registry } from 'prom-client';
import type { MetricsListener } from './metrics-listener.js';
import { listenForMetrics } from './metrics-listener.js';

export async function serveClusterMetrics(host: string, port: number, workers: () => number): Promise<MetricsListener> {
  const aggregator = new AggregatorRegistry();
  const primary = new Registry();
  new Gauge({
    name: 'tollgate_workers',
    help: 'Worker processes serving the main port',
    registers: [primary],
    collect() {
      this.set(workers());
    },
  });
  const metrics = async (): Promise<string> => `${await aggregator.clusterMetrics()}\n${await primary.metrics()}`;
  return listenForMetrics({ contentType: aggregator.contentType, metrics }, host, port);
}
