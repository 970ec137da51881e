/**
 * node-oauth2-server's AbstractGrantType, the base of an app's extension grants (RFC 6749 §4.5):
 * the constructor options and helper methods their grants call. `extendedGrantTypes` runs such a
 * class as a tollgate grant (see extension-grant.ts). CommonJS for the reason given in errors.cts.
 */
import type { CompatClient, CompatModel, CompatUser } from './model.js';
import type { OAuthErrorClass } from './errors.cjs';
import type { Request } from './request.cjs';

const { randomBytes } = require('node:crypto') as typeof import('node:crypto');
const { InvalidArgumentError, InvalidScopeError } = require('./errors.cjs') as Record<'InvalidArgumentError' | 'InvalidScopeError', OAuthErrorClass>;

/** What their grant type constructor is given: the lifetimes and the model. */
interface GrantTypeOptions {
  /** Access token lifetime in seconds. */
  accessTokenLifetime: number;
  /** Refresh token lifetime in seconds. */
  refreshTokenLifetime?: number | undefined;
  /** Their model. */
  model: CompatModel;
  /** Whether a refresh rotates the refresh token. */
  alwaysIssueNewRefreshToken?: boolean | undefined;
}

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), separated by single spaces.
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+(?: [\x21\x23-\x5B\x5D-\x7E]+)*$/;

/** node-oauth2-server's AbstractGrantType: the base class of an extension grant, with their helpers. */
class AbstractGrantType {
  /** Seconds the access tokens it issues live (the server's `accessTokenLifetime`, or the client's). */
  accessTokenLifetime: number;
  /** Seconds the refresh tokens it issues live; undefined when the server gave none. */
  refreshTokenLifetime: number | undefined;
  /** Their model, as the server was given it. */
  model: CompatModel;
  /** Whether a refresh rotates the refresh token (RFC 9700 §4.14.2), as the server's option says. */
  alwaysIssueNewRefreshToken: boolean | undefined;

  constructor(options?: GrantTypeOptions) {
    if (!options?.accessTokenLifetime) throw new InvalidArgumentError('Missing parameter: `accessTokenLifetime`');
    if (!options.model) throw new InvalidArgumentError('Missing parameter: `model`');
    this.accessTokenLifetime = options.accessTokenLifetime;
    this.model = options.model;
    this.refreshTokenLifetime = options.refreshTokenLifetime;
    this.alwaysIssueNewRefreshToken = options.alwaysIssueNewRefreshToken;
  }

  /** The model's `generateAccessToken` if it has one, else 256 random bits as 64 hex digits, as theirs (RFC 6749 §10.10). */
  async generateAccessToken(client: CompatClient, user: CompatUser, scope: string[] | undefined): Promise<string> {
    return this.model.generateAccessToken ? this.model.generateAccessToken(client, user, scope ?? []) : randomBytes(32).toString('hex');
  }

  /** The model's `generateRefreshToken` if it has one, else 256 random bits. */
  async generateRefreshToken(client: CompatClient, user: CompatUser, scope: string[] | undefined): Promise<string> {
    return this.model.generateRefreshToken ? this.model.generateRefreshToken(client, user, scope ?? []) : randomBytes(32).toString('hex');
  }

  /** When an access token issued now expires: `accessTokenLifetime` seconds from now. */
  getAccessTokenExpiresAt(): Date {
    return new Date(Date.now() + this.accessTokenLifetime * 1000);
  }

  /** When a refresh token issued now expires: `refreshTokenLifetime` seconds from now (now itself without one). */
  getRefreshTokenExpiresAt(): Date {
    return new Date(Date.now() + (this.refreshTokenLifetime ?? 0) * 1000);
  }

  /** The request's `scope` as a list (RFC 6749 §3.3 syntax), undefined when absent. */
  getScope(request: Request): string[] | undefined {
    const scope = request.body.scope;
    if (scope === undefined || scope === null) return undefined;
    if (typeof scope !== 'string' || !SCOPE.test(scope.trim())) throw new InvalidScopeError('Invalid parameter: `scope`');
    return scope.trim().split(' ');
  }

  /** The model's `validateScope` verdict (a falsy one is `invalid_scope`); the asked scope without one. */
  async validateScope(user: CompatUser, client: CompatClient, scope: string[] | undefined): Promise<readonly string[] | undefined> {
    if (!this.model.validateScope) return scope;
    const validated = await this.model.validateScope(user, client, scope ?? []);
    if (!validated) throw new InvalidScopeError('Invalid scope: Requested scope is invalid');
    return validated;
  }
}

module.exports = { AbstractGrantType };
export type { AbstractGrantType, GrantTypeOptions };
