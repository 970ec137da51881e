/**
 * Prometheus metrics of `tollgate serve` (config `metrics`), in a registry of their own (never
 * prom-client's global one, which an embedding application may use). The counters are fed by the
 * audit events, so what the audit trail says and what the metrics count have one source.
 * Cardinality is bounded: no user id, no token value, no raw URL is ever a label; clients are
 * labelled by id only for configured ones and the first registered ones, up to a cap.
 */
import { Counter, Histogram, Registry } from 'prom-client';
import type { ServerEvent } from './server-events.js';

/** Clients beyond this many (configured first, then registered while running) are counted as `other`. */
export const MAX_CLIENT_LABELS = 100;

/** Latency buckets in seconds: a store call or a request is usually milliseconds; scrypt and PostgreSQL round trips are tens. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface Metrics {
  readonly registry: Registry;
  /** Counts what an audit event reports. */
  record(event: ServerEvent): void;
  /** The store with every method timed into `tollgate_store_operation_duration_seconds`. */
  timeStore<T extends object>(store: T): T;
  /** One answered HTTP request; `route` is the matched route pattern, never the URL. */
  observeRequest(route: string, method: string, status: number, seconds: number): void;
}

export function createMetrics(options: { clientIds: Iterable<string> }): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const tokensIssued = new Counter({ name: 'tollgate_tokens_issued_total', help: 'Token responses issued, by grant type and client', labelNames: ['grant_type', 'client'], registers });
  const tokenErrors = new Counter({ name: 'tollgate_token_errors_total', help: 'Token endpoint refusals, by RFC 6749 §5.2 error code', labelNames: ['error'], registers });
  const bearerChecks = new Counter({ name: 'tollgate_bearer_checks_total', help: 'Bearer token checks (RFC 6750), by result', labelNames: ['result'], registers });
  const signIns = new Counter({ name: 'tollgate_sign_ins_total', help: 'Sign-in attempts on the sign-in page, by result', labelNames: ['result'], registers });
  const rateLimited = new Counter({ name: 'tollgate_rate_limited_total', help: 'Requests refused with 429, by limiter', labelNames: ['limiter'], registers });
  const reuse = new Counter({ name: 'tollgate_refresh_reuse_detected_total', help: 'Rotated refresh tokens presented again (RFC 9700 §4.14.2)', registers });
  const codeReplays = new Counter({ name: 'tollgate_code_replays_total', help: 'Authorization codes presented again (RFC 6749 §4.1.2)', registers });
  const clientAuthFailures = new Counter({ name: 'tollgate_client_authentication_failures_total', help: 'Failed client authentications (RFC 6749 §2.3)', registers });
  const storeLatency = new Histogram({
    name: 'tollgate_store_operation_duration_seconds',
    help: 'Store calls, by operation',
    labelNames: ['operation'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const requestLatency = new Histogram({
    name: 'tollgate_http_request_duration_seconds',
    help: 'HTTP requests, by matched route pattern, method and status',
    labelNames: ['route', 'method', 'status'],
    buckets: LATENCY_BUCKETS,
    registers,
  });

  const clients = new Set([...options.clientIds].slice(0, MAX_CLIENT_LABELS));
  const clientLabel = (id: string): string => (clients.has(id) ? id : 'other');

  function record(event: ServerEvent): void {
    switch (event.type) {
      case 'token.issued':
        return tokensIssued.inc({ grant_type: event.grantType, client: clientLabel(event.clientId) });
      case 'token.error':
        return tokenErrors.inc({ error: event.error });
      case 'bearer.checked':
        return bearerChecks.inc({ result: event.result });
      case 'refresh.reuse_detected':
        return reuse.inc();
      case 'code.replayed':
        return codeReplays.inc();
      case 'client.authentication_failed':
        return clientAuthFailures.inc();
      case 'client.registered':
        if (clients.size < MAX_CLIENT_LABELS) clients.add(event.clientId);
        return;
      case 'login.succeeded':
        return signIns.inc({ result: 'success' });
      case 'login.failed':
        signIns.inc({ result: event.reason === 'rate_limited' ? 'rate_limited' : 'failure' });
        if (event.reason === 'rate_limited') rateLimited.inc({ limiter: 'sign_in' });
        return;
      case 'request.rate_limited':
        return rateLimited.inc({ limiter: event.limiter });
      default:
        return;
    }
  }

  function timeStore<T extends object>(store: T): T {
    const timed: Record<string, unknown> = {};
    for (const [name, member] of Object.entries(store)) {
      if (typeof member !== 'function') {
        timed[name] = member;
        continue;
      }
      // The labelled child is made once per method, so a call allocates only its timer.
      const histogram = storeLatency.labels(name);
      timed[name] = (...args: unknown[]) => {
        const end = histogram.startTimer();
        const result = (member as (...a: unknown[]) => unknown).apply(store, args);
        if (result instanceof Promise) return result.finally(end);
        end();
        return result;
      };
    }
    return timed as T;
  }

  return {
    registry,
    record,
    timeStore,
    observeRequest: (route, method, status, seconds) => requestLatency.observe({ route, method, status }, seconds),
  };
}
