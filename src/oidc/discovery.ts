/** OpenID Provider metadata: OpenID Connect Discovery 1.0 §3 (the fields), §4 (where it is served). */
import type { OpenIdServer } from '../openid.js';
import { OPENID_SCOPES, STANDARD_CLAIMS } from './claims.js';
import { ID_TOKEN_ALGORITHMS } from './id-token.js';

/** Discovery §4: the path appended to the issuer. */
export const DISCOVERY_PATH = '/.well-known/openid-configuration';

/** Claims the server itself puts in ID tokens (Core §2), beside the user's standard claims. */
const ID_TOKEN_CLAIMS = ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash', 'amr'];

/**
 * Discovery §3: the RFC 8414 document (the same endpoints, grant and response types), and what an
 * OpenID Provider adds. Only what is implemented is advertised: request objects as the RFC 8414
 * document says (signed, by value; `request_uri` only from PAR), the `claims` parameter (Core §5.5),
 * public subject identifiers only.
 */
export function discoveryDocument(server: OpenIdServer, userinfoPath: string, endSessionPath?: string): Record<string, unknown> {
  const { metadata, options } = server;
  const configured = (metadata.scopes_supported as readonly string[] | undefined) ?? [];
  return {
    ...metadata,
    userinfo_endpoint: `${options.issuer}${userinfoPath}`,
    jwks_uri: `${options.issuer}${options.endpoints.jwks}`,
    scopes_supported: [...new Set([...OPENID_SCOPES, ...configured])],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ID_TOKEN_ALGORITHMS,
    claims_supported: [...ID_TOKEN_CLAIMS, ...STANDARD_CLAIMS],
    claims_parameter_supported: true,
    // RP-Initiated Logout 1.0 §2.1, when the host serves it.
    ...(endSessionPath !== undefined && { end_session_endpoint: `${options.issuer}${endSessionPath}` }),
  };
}
