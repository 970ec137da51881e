/**
 * `tollgate/resource`: for protected resources (an API, an MCP server). Their RFC 9728 metadata and
 * challenges, and the RFC 8707 resource list an authorization server issues audience-bound tokens for.
 */
export { createProtectedResource, PROTECTED_RESOURCE_METADATA_PATH } from './resource-server.js';
export type { BearerMethod, ProtectedResource, ProtectedResourceMetadata, ProtectedResourceOptions, ResourceAuthenticateOptions, ResourceAuthenticateResult, TokenClaims } from './resource-server.js';
export type { ResourceDpopOptions } from './dpop/presentation.js';
export type { DpopNonceOptions } from './dpop/settings.js';
export type { ReplayCache } from './dpop/proof.js';
export type { ResourceOptions } from './resource-indicators.js';
