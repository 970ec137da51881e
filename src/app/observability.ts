/**
 * What `tollgate serve` tells its operators: the audit trail (config `audit`) and the Prometheus
 * metrics (config `metrics`), both fed by one event stream. Off, they cost nothing: no hook, no
 * listener, no wrapped store, and the core builds no event.
 */
import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import { AggregatorRegistry } from 'prom-client';
import type { Store } from '../stores/store.js';
import { guardListener } from '../events.js';
import type { AppConfig } from './app.js';
import type { ServerEvent, ServerEvents } from './server-events.js';
import { createAuditLog } from './audit-log.js';
import { createMetrics } from './metrics.js';
import { METRICS_PATH, listenForMetrics } from './metrics-listener.js';

export interface Observed {
  /** The store, timed when metrics are on. */
  store: Store;
  /** Where every part of the server sends its events (the core included); undefined when nobody listens. */
  events: ServerEvents;
}

export function observe(app: FastifyInstance, config: AppConfig, store: Store): Observed {
  const audit = createAuditLog(config.audit, app.log);
  const wanted = config.metrics;
  const metrics = wanted === false ? undefined : createMetrics({ clientIds: config.clients.map((c) => c.client_id) });
  if (audit) app.addHook('onClose', async () => audit.close());
  if (metrics) {
    // The route pattern, never the URL: bounded, and free of the secrets a query string may carry.
    app.addHook('onResponse', async (request, reply) => {
      metrics.observeRequest(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000);
    });
    if (wanted === true) {
      app.get(METRICS_PATH, async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
    } else if (cluster.isWorker) {
      // Under --workers the primary serves the port and sums every worker's registry (prom-client's cluster protocol).
      new AggregatorRegistry();
      AggregatorRegistry.setRegistries([metrics.registry]);
    } else {
      const { port } = wanted as { port: number };
      let listener: Awaited<ReturnType<typeof listenForMetrics>> | undefined;
      app.addHook('onReady', async () => {
        listener = await listenForMetrics(metrics.registry, config.host, port);
        // Beside the CLI's "listening on" line, as the primary prints it under --workers.
        process.stdout.write(`tollgate metrics on ${listener.url}\n`);
      });
      app.addHook('onClose', async () => listener?.close());
    }
  }
  const listeners = [audit?.write, metrics?.record].filter((l): l is (event: ServerEvent) => void => l !== undefined);
  const fanOut = listeners.length === 0 ? undefined : (event: ServerEvent) => listeners.forEach((listener) => listener(event));
  return {
    store: metrics ? metrics.timeStore(store) : store,
    events: guardListener(fanOut, (err) => app.log.error({ err }, 'audit events: a listener failed')),
  };
}
