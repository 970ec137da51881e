/**
 * `tollgate/jwt`: JWT access tokens (RFC 9068). The issuing side (the access token format and its
 * signing keys) and the verifying side, for resource servers, which need nothing else of tollgate.
 */
export { createJwtAccessTokenFormat } from './tokens/jwt.js';
export type { JwtAccessTokenFormat, JwtAccessTokenOptions } from './tokens/jwt.js';
export type { AccessTokenContext, JsonWebKeySet } from './tokens/format.js';
/** The default format, for a resource whose tokens stay opaque when the server's are JWTs. */
export { opaqueAccessTokens } from './tokens/format.js';
export { ensureSigningKey, generateSigningKey, publishedKeys, rotateSigningKey } from './tokens/signing-keys.js';
export type { IdTokenSigningAlgorithm, SigningAlgorithm, SigningKey, SigningKeyStore } from './tokens/signing-keys.js';
export { createJwtVerifier } from './tokens/jwt-verify.js';
export type { JwtAccessTokenClaims, JwtVerifier, JwtVerifierOptions, VerifyRequestOptions } from './tokens/jwt-verify.js';
export type { CheckedToken, ResourceDpopOptions } from './dpop/presentation.js';
