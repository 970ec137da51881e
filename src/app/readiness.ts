/**
 * `/health` and `/ready` for load balancers and orchestrators. Health: the store answers a real
 * round trip, a write included (`Store.ping`). Readiness: that, and the signing keys loaded when
 * tokens or ID tokens are signed. Migrations need no check: the stores migrate before the server
 * listens, so nothing answers before they are done. Both say why in JSON when they answer 503.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Store } from '../stores/store.js';
import { STORE_RETRY_AFTER_SECONDS } from '../stores/unavailable.js';

export interface ReadinessOptions {
  store: Store;
  /** The keys the server publishes, when it signs anything (JWT access tokens, ID tokens); absent otherwise. */
  signingKeys?: (() => Promise<readonly unknown[]>) | undefined;
}

export function mountProbes(app: FastifyInstance, options: ReadinessOptions): void {
  const { store, signingKeys } = options;

  /** Why the server cannot serve now, or undefined when it can. */
  async function notReady(signing: boolean): Promise<string | undefined> {
    try {
      await store.ping();
    } catch (err) {
      app.log.error({ err }, 'health check: the store cannot serve');
      return 'store';
    }
    if (!signing || signingKeys === undefined) return undefined;
    try {
      return (await signingKeys()).length > 0 ? undefined : 'signing_keys';
    } catch (err) {
      app.log.error({ err }, 'readiness check: the signing keys cannot be read');
      return 'signing_keys';
    }
  }

  const probe = (signing: boolean) => async (_request: unknown, reply: FastifyReply) => {
    const reason = await notReady(signing);
    if (reason === undefined) return reply.send({ status: 'ok' });
    return reply.code(503).header('Retry-After', String(STORE_RETRY_AFTER_SECONDS)).send({ status: 'unavailable', reason });
  };
  app.get('/health', probe(false));
  app.get('/ready', probe(true));
}
