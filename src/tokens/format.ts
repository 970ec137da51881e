/** How access token values are made: opaque random strings by default, or a format such as JWT (RFC 9068). */
import type { Client, User } from '../types.js';
import type { ActorClaim } from '../grants/grant.js';
import { randomToken } from '../secrets.js';

/** Everything a self-contained token format may encode. */
export interface AccessTokenContext {
  /** The client the token is issued to. */
  client: Client;
  /** The resource owner (for client_credentials, the client). */
  user: User;
  /** The granted scope. */
  scope: string[];
  /** The grant the token belongs to. */
  grantId: string;
  /** When it is issued (`iat`). */
  issuedAt: Date;
  /** When it expires (`exp`). */
  expiresAt: Date;
  /** The resources the token is for (RFC 8707): its `aud`. Undefined: the format's default audience. */
  audience?: readonly string[] | undefined;
  /** RFC 8693 §4.1: the actor of a delegated token, the `act` claim. */
  act?: ActorClaim | undefined;
  /** RFC 9449 §6.1: the JWK thumbprint of the DPoP key the token is bound to, the `cnf.jkt` claim. */
  jkt?: string | undefined;
}

/** A JSON Web Key Set document (RFC 7517 §5). */
export interface JsonWebKeySet {
  /** The public keys, as JWKs (RFC 7517 §4). */
  keys: Array<Record<string, unknown>>;
}

/** Makes access token values. The store still records each token, so revocation works for every format. */
export interface AccessTokenFormat {
  /** The format's name, e.g. `opaque` or `jwt`, for logs and metadata. */
  readonly name: string;
  /** Makes the token value for one issued token. */
  generate(context: AccessTokenContext): string | Promise<string>;
  /** The public keys that verify the tokens, for formats that sign them. */
  jwks?(): Promise<JsonWebKeySet>;
}

/** 256 random bits, base64url: unguessable and meaningless (RFC 6749 §10.10). */
export const opaqueAccessTokens: AccessTokenFormat = {
  name: 'opaque',
  generate: () => randomToken(),
};
