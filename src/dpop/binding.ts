/**
 * Where a token's DPoP binding lives: `cnf.jkt` (RFC 9449 §6.1) in the token's stored `extra`, as
 * JWT access tokens and introspection carry it; `dpop_jkt` (§10) in an authorization code's.
 */

/** The JWK thumbprint a stored token is bound to (RFC 9449 §6), or undefined for a bearer token. */
export function boundJkt(extra: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const cnf = extra?.cnf;
  if (typeof cnf !== 'object' || cnf === null) return undefined;
  const jkt = (cnf as { jkt?: unknown }).jkt;
  return typeof jkt === 'string' ? jkt : undefined;
}

/**
 * A token's `extra` bound to `jkt`, or unbound when undefined. A grant hands on the extra of the
 * token it came from (a refresh): the binding is always the current request's, never inherited.
 */
export function bindExtra(extra: Record<string, unknown> | undefined, jkt: string | undefined): Record<string, unknown> | undefined {
  if (extra === undefined || !('cnf' in extra)) return jkt === undefined ? extra : { ...extra, cnf: { jkt } };
  const rest = Object.fromEntries(Object.entries(extra).filter(([name]) => name !== 'cnf'));
  return jkt === undefined ? rest : { ...rest, cnf: { jkt } };
}

/** The `dpop_jkt` an authorization code was bound to at the authorization endpoint (RFC 9449 §10). */
export function codeJkt(extra: Readonly<Record<string, unknown>> | undefined): string | undefined {
  return typeof extra?.dpop_jkt === 'string' ? extra.dpop_jkt : undefined;
}
