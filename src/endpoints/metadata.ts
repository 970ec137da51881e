/** Authorization server metadata. RFC 8414 §2-3. */
import type { ResolvedOptions } from '../options.js';
import { DEVICE_CODE } from '../grants/device-code.js';

/** RFC 8414 §3: where the metadata is published (below the issuer's path, when it has one). */
export const METADATA_PATH = '/.well-known/oauth-authorization-server';

/** The §2 metadata document for this server's options and grants. */
export function metadataDocument(options: ResolvedOptions, signed: boolean): Record<string, unknown> {
  // The issuer may have a path (RFC 8414 §2, e.g. one issuer per tenant): endpoints live beneath it.
  const url = (path: string): string => `${options.issuer}${path}`;
  const { endpoints } = options;
  const grants = [...options.grants.values()];
  const responseTypes = grants.flatMap((grant) => (grant.authorization ? [grant.authorization.responseType] : []));
  const defaultModes = grants.flatMap((grant) => (grant.authorization ? [grant.authorization.responseMode] : []));
  // Multiple Response Type Encoding Practices §2.1, Form Post Response Mode: any response can go by form_post.
  const responseModes = defaultModes.length === 0 ? [] : [...new Set([...defaultModes, 'fragment', 'form_post'])];
  const authMethods = options.tokenEndpointAuthMethods;
  // RFC 8414 §2: the algorithms are listed when a JWT-based method is offered.
  const assertions = authMethods.includes('private_key_jwt') || authMethods.includes('client_secret_jwt');
  return {
    issuer: options.issuer,
    ...(responseTypes.length > 0 && { authorization_endpoint: url(endpoints.authorization) }),
    token_endpoint: url(endpoints.token),
    ...(signed && { jwks_uri: url(endpoints.jwks) }),
    ...(options.scopesSupported && { scopes_supported: options.scopesSupported }),
    response_types_supported: responseTypes,
    response_modes_supported: responseModes,
    grant_types_supported: grants.map((grant) => grant.type),
    token_endpoint_auth_methods_supported: authMethods,
    ...(assertions && { token_endpoint_auth_signing_alg_values_supported: options.tokenEndpointAuthSigningAlgs }),
    revocation_endpoint: url(endpoints.revocation),
    revocation_endpoint_auth_methods_supported: authMethods,
    ...(assertions && { revocation_endpoint_auth_signing_alg_values_supported: options.tokenEndpointAuthSigningAlgs }),
    introspection_endpoint: url(endpoints.introspection),
    introspection_endpoint_auth_methods_supported: authMethods.filter((m) => m !== 'none'),
    ...(assertions && { introspection_endpoint_auth_signing_alg_values_supported: options.tokenEndpointAuthSigningAlgs }),
    code_challenge_methods_supported: options.allowPlainPkce ? ['S256', 'plain'] : ['S256'],
    // RFC 9207 §3: every authorization response carries `iss`.
    authorization_response_iss_parameter_supported: true,
    // RFC 9449 §5.1: the algorithms accepted for DPoP proofs, when DPoP is on.
    ...(options.dpop && { dpop_signing_alg_values_supported: options.dpop.algorithms }),
    // RFC 8414 §2, RFC 7591 §3: advertised only when registration is on.
    ...(options.registration && { registration_endpoint: url(endpoints.registration) }),
    // RFC 8628 §4: advertised when the device grant is enabled.
    ...(options.grants.has(DEVICE_CODE) && { device_authorization_endpoint: url(endpoints.deviceAuthorization) }),
    // RFC 9126 §5: where requests are pushed, and whether every one must be.
    ...(options.pushedAuthorizationRequests && {
      pushed_authorization_request_endpoint: url(endpoints.pushedAuthorizationRequest),
      require_pushed_authorization_requests: options.pushedAuthorizationRequests.required,
    }),
    // RFC 9101 §10.5, OpenID Connect Discovery §3: signed request objects by value; a request_uri
    // only as the PAR endpoint returns it (none fetched), so request_uri_parameter_supported is false.
    request_parameter_supported: options.requestObjects !== undefined,
    ...(options.requestObjects && { request_object_signing_alg_values_supported: options.requestObjects.algorithms }),
    request_uri_parameter_supported: false,
    // draft-ietf-oauth-client-id-metadata-document "Authorization Server Metadata".
    ...(options.clientIdMetadataDocuments && { client_id_metadata_document_supported: true }),
  };
}
