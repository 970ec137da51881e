/** `tollgate serve`: open the store, load the config's clients and users, listen, and stop cleanly. */
import { ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, OutgoingHttpHeader, OutgoingHttpHeaders, Server } from 'node:http';
import type { Store } from '../stores/store.js';
import { ensureSigningKey } from '../jwt.js';
import type { ServerConfig } from './config.js';
import { buildApp } from './app.js';
import { openReachableStore } from './reachable-store.js';
import { randomId } from './session.js';
import { pruneUnlisted } from './config-source.js';
import type { Removal } from './config-source.js';
import { writeAtTurnEnd } from '../adapters/turn-end-writes.js';

export interface RunningServer {
  /** The base URL the server listens on. */
  url: string;
  /** The issuer identifier: the config's, or `url`. */
  issuer: string;
  /** Stops accepting connections, finishes what is in flight, closes the store. */
  close(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 60_000;
/** Client secrets are kept as one SHA-256: fine for 256 random bits, not for a word a person picked. */
const MIN_SECRET_LENGTH = 32;

/**
 * Loads the config's clients and users into the store (hashing secrets and passwords) and removes
 * those an earlier config seeded and this one dropped; returns warnings and removals to log.
 */
async function register(store: Store, config: ServerConfig): Promise<{ warnings: string[]; removals: Removal[] }> {
  const warnings: string[] = [];
  for (const [i, client] of config.clients.entries()) {
    if (client.client_secret !== undefined && client.client_secret.length < MIN_SECRET_LENGTH) {
      warnings.push(
        `config.clients[${i}].client_secret (client "${client.client_id}") is shorter than ${MIN_SECRET_LENGTH} characters: too short to be safe with a fast hash; use a long random secret`,
      );
    }
    await store.saveClient({ ...client, source: 'config' });
  }
  for (const user of config.users) await store.saveUser({ ...user, source: 'config' });
  return { warnings, removals: await pruneUnlisted(store, config) };
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Whether a host name or address reaches this machine only. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1' || host === '[::1]';
}

type OutgoingHeaders = OutgoingHttpHeaders | OutgoingHttpHeader[];
/** `writeHead`'s arguments after the status: a status message and headers, or headers alone. */
type WriteHeadRest = [statusMessage?: string | undefined, headers?: OutgoingHeaders | undefined] | [headers?: OutgoingHeaders | undefined];

/**
 * Responses that say `Connection: close` once `stopping()` is true, so a keep-alive client moves to
 * another process instead of sending its next request to one about to go (RFC 9112 §9.6). Decided
 * when the headers are written (`end` without `writeHead` comes here too, through `_implicitHeader`),
 * so a response in flight when the stop begins says it as well, and no response is tracked: a Set of
 * the responses in flight, the way this was done before, kept each one reachable from the old
 * generation and promoted about 2 KB per request out of the young one: the collector spent two to
 * three times as long per issued token (issue 17).
 */
function responsesClosingWhen(stopping: () => boolean): typeof ServerResponse<IncomingMessage> {
  return class ClosingResponse extends ServerResponse<IncomingMessage> {
    override writeHead(statusCode: number, ...rest: WriteHeadRest): this {
      if (stopping()) this.setHeader('Connection', 'close');
      return super.writeHead(statusCode, ...(rest as [statusMessage?: string | undefined, headers?: OutgoingHeaders | undefined]));
    }
  };
}

/**
 * The HTTP server, with the config's limits (SECURITY-CHECKLIST "Input and operations"): a client
 * sending its headers or body slowly is cut off, idle keep-alive connections end, and connections
 * past the cap are closed as they arrive, so slow clients cannot hold every socket.
 */
function createHttpServer(config: ServerConfig, stopping: () => boolean): Server {
  const { requestTimeout, headersTimeout, keepAliveTimeout, maxConnections } = config.http;
  const server = createServer({
    requestTimeout: requestTimeout * 1000,
    headersTimeout: headersTimeout * 1000,
    // Node enforces the two timeouts only when it checks its connections (every 30 s by default).
    connectionsCheckingInterval: 1000,
    ServerResponse: responsesClosingWhen(stopping),
  });
  server.keepAliveTimeout = keepAliveTimeout * 1000;
  server.maxConnections = maxConnections;
  writeAtTurnEnd(server);
  return server;
}

function baseUrl({ address, family, port }: AddressInfo): string {
  const host = address === '0.0.0.0' || address === '::' ? 'localhost' : family === 'IPv6' ? `[${address}]` : address;
  return `http://${host}:${port}`;
}

/** Starts the server; `port` overrides the config's (0: any free port). */
export async function serve(config: ServerConfig, options: { port?: number } = {}): Promise<RunningServer> {
  const store = await openReachableStore(config.store);
  let stopping = false;
  const httpServer = createHttpServer(config, () => stopping);
  let sweeper: NodeJS.Timeout | undefined;
  try {
    const { warnings, removals } = await register(store, config);
    if (config.accessTokenFormat === 'jwt') await ensureSigningKey(store, config.accessTokenSigningAlg);
    // Listen first: without a configured issuer, the issuer is the URL this socket gets.
    const url = baseUrl(await listen(httpServer, options.port ?? config.port, config.host));
    const issuer = config.issuer ?? url;
    const app = await buildApp(
      { ...config, issuer },
      {
        store,
        sessionSecret: config.sessionSecret ?? randomId(),
        serverFactory: (handler) => httpServer.on('request', handler),
        startEvents: removals.map((removal) => removal.event),
      },
    );
    await app.ready();
    for (const warning of warnings) app.log.warn(warning);
    for (const removal of removals) app.log.info(removal.message);
    if (config.skyvaultCompat && !(isLoopback(new URL(issuer).hostname) && isLoopback(config.host))) {
      app.log.warn(
        `WARNING: skyvaultCompat is on at ${issuer}, reachable beyond this machine: token parameters are read from URLs, ` +
          'and HTTP Basic at /authorize (GET too) signs the resource owner in and issues codes and implicit tokens without a consent page. ' +
          'Turn it off outside a local demo (README, "skyvaultCompat").',
      );
    }
    sweeper = setInterval(() => {
      store.sweepExpired().catch((err: unknown) => app.log.error({ err }, 'sweeping expired tokens failed'));
    }, SWEEP_INTERVAL_MS).unref();

    let closing: Promise<void> | undefined;
    return {
      url,
      issuer,
      close() {
        closing ??= (async () => {
          clearInterval(sweeper);
          stopping = true;
          const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
          // Idle keep-alive connections go at once; busy ones close after their response.
          httpServer.closeIdleConnections();
          // In-flight requests get a few seconds to finish; then their connections go too.
          setTimeout(() => httpServer.closeAllConnections(), 5000).unref();
          await closed;
          await app.close();
          await store.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    clearInterval(sweeper);
    if (httpServer.listening) httpServer.close();
    await store.close();
    throw err;
  }
}
