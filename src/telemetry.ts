/**
 * OpenTelemetry traces (option `tracing`): a span per request the core's router answers and per
 * model (store) call, through `@opentelemetry/api`, an optional peer. The api is imported once,
 * dynamically, so the core loads without it; with no tracer provider registered its tracer is a
 * no-op. Attributes name the endpoint, grant type, client and outcome, never a token, code, secret
 * or password.
 */
import type { OAuthRequest, OAuthResponse } from './types.js';
import { basicCredentials, bodyOf, isFormRequest, parseParams } from './request.js';

/**
 * The parts of the api's `Span` and `Tracer` used here, declared locally: tollgate's published
 * types never name `@opentelemetry/api`, so they check without it installed.
 */
interface Span {
  setAttribute(key: string, value: string | number): unknown;
  setStatus(status: { code: number }): unknown;
  end(): void;
}

interface Tracer {
  startActiveSpan<T>(name: string, options: { attributes: Record<string, string> }, work: (span: Span) => T): T;
}

/** The tracer, once the api is loaded; undefined while loading and when the package is absent. */
export interface Tracing {
  /** Runs `work` inside a span named `name` (with these attributes); `work` gets no span when the api is absent. */
  span<T>(name: string, work: (span: Span | undefined) => Promise<T>, attributes?: Record<string, string>): Promise<T>;
}

let loading: Promise<Tracer | undefined> | undefined;

/** `@opentelemetry/api`'s tracer for tollgate, imported on first use only; undefined when the package is absent. */
function loadTracer(): Promise<Tracer | undefined> {
  loading ??= import('@opentelemetry/api').then(
    (api): Tracer => api.trace.getTracer('tollgate'),
    () => undefined,
  );
  return loading;
}

/** Span status codes of the api (SpanStatusCode.ERROR), without importing its enum at load time. */
const STATUS_ERROR = 2;

/** The tracing of one server: every span waits for the api's import once, then costs the api's own (no-op without a provider). */
export function createTracing(): Tracing {
  let tracer: Tracer | undefined;
  const ready = loadTracer().then((loaded) => (tracer = loaded));
  return {
    async span(name, work, attributes) {
      const active = tracer ?? (await ready);
      if (active === undefined) return work(undefined);
      return active.startActiveSpan(name, { attributes: attributes ?? {} }, async (span) => {
        try {
          return await work(span);
        } catch (err) {
          span.setStatus({ code: STATUS_ERROR });
          throw err;
        } finally {
          span.end();
        }
      });
    },
  };
}

/** The endpoint names of span names (`tollgate.token`), by the option key of their path. */
const SPAN_NAMES: Readonly<Record<string, string>> = {
  authorization: 'authorize',
  token: 'token',
  revocation: 'revoke',
  introspection: 'introspect',
  jwks: 'jwks',
  registration: 'register',
  deviceAuthorization: 'device_authorization',
  deviceVerification: 'device_verification',
  pushedAuthorizationRequest: 'par',
};

/** `tollgate.<endpoint>` for a path of `endpoints`, `tollgate.request` for another one the router serves (metadata). */
export function spanNameOf(endpoints: Readonly<Record<string, string>>, path: string): string {
  const key = Object.keys(endpoints).find((name) => endpoints[name] === path);
  return `tollgate.${(key !== undefined && SPAN_NAMES[key]) || 'request'}`;
}

/**
 * What a request says about itself that may be traced: the grant type and the client it claims
 * (RFC 6749 §2.3.1 Basic user name, or `client_id`). The secret half of Basic is never read out.
 */
export function requestAttributes(request: OAuthRequest): Record<string, string> {
  const attributes: Record<string, string> = {};
  let params: Readonly<Record<string, string>> | undefined;
  try {
    params = isFormRequest(request) ? parseParams(bodyOf(request)) : undefined;
  } catch {
    // A malformed body (a repeated parameter): the endpoint answers it; the span only has less to say.
    params = undefined;
  }
  const grantType = params?.['grant_type'];
  if (typeof grantType === 'string') attributes['oauth.grant_type'] = grantType.slice(0, 200);
  const basic = basicCredentials(request);
  const clientId = typeof basic === 'object' ? basic.clientId : params?.['client_id'];
  if (typeof clientId === 'string') attributes['oauth.client_id'] = clientId.slice(0, 200);
  return attributes;
}

/** The outcome of a response: its status and, for an RFC 6749 §5.2 error, its code. */
export function recordOutcome(span: Span | undefined, response: OAuthResponse | undefined): void {
  if (span === undefined || response === undefined) return;
  span.setAttribute('http.response.status_code', response.status);
  if (response.status >= 400 && typeof response.body === 'string' && response.body.startsWith('{')) {
    try {
      const { error } = JSON.parse(response.body) as { error?: unknown };
      if (typeof error === 'string') span.setAttribute('oauth.error', error.slice(0, 100));
    } catch {
      // Not a JSON error body: the status says enough.
    }
  }
  if (response.status >= 500) span.setStatus({ code: STATUS_ERROR });
}

/**
 * The model with a span around each of its methods (`tollgate.store.<method>`), no attribute but
 * the method: arguments hold tokens and secrets. A Proxy, so a model's prototype methods and `this` stay.
 */
export function traceModel<M extends object>(model: M, tracing: Tracing): M {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(model, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function' || typeof name !== 'string') return value;
      let traced = wrapped.get(name);
      if (traced === undefined) {
        const method = value as (...args: unknown[]) => unknown;
        traced = (...args: unknown[]) => tracing.span(`tollgate.store.${name}`, async () => method.apply(target, args), { 'tollgate.store.operation': name });
        wrapped.set(name, traced);
      }
      return traced;
    },
  });
}
