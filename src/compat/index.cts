/**
 * `require('tollgate/compat')`: the OAuth2Server class with Request, Response, AbstractGrantType and
 * every error class as statics, as node-oauth2-server's index.js exports them.
 *
 * How: Node 20 cannot require() an ES module (require(esm) is flagged or partial before Node 22.12),
 * and the tollgate core is ESM. So this entry is CommonJS (a .cts file, emitted as index.cjs and named
 * by the `require` condition of package.json "exports"): the classes an app touches synchronously
 * (errors, Request, Response, AbstractGrantType) are CommonJS files shared with the ES module entry,
 * and OAuth2Server's methods, which return promises anyway, load the ESM implementation with import()
 * on first use. `new OAuth2Server({})` still throws at once, as theirs does.
 */
import type { OAuth2Server as Implementation, OAuth2ServerOptions } from './server.js';
import type { OAuthErrorClass } from './errors.cjs';
import type { Request as RequestClass } from './request.cjs';
import type { Response as ResponseClass } from './response.cjs';
import type { AbstractGrantType as AbstractGrantTypeClass } from './abstract-grant-type.cjs';

const errors = require('./errors.cjs') as Record<string, OAuthErrorClass>;
const { Request } = require('./request.cjs') as { Request: typeof RequestClass };
const { Response } = require('./response.cjs') as { Response: typeof ResponseClass };
const { AbstractGrantType } = require('./abstract-grant-type.cjs') as { AbstractGrantType: typeof AbstractGrantTypeClass };

class OAuth2Server {
  readonly options: OAuth2ServerOptions;
  #implementation: Promise<Implementation> | undefined;

  constructor(options: OAuth2ServerOptions) {
    if (!options?.model) throw new (errors.InvalidArgumentError as OAuthErrorClass)('Missing parameter: `model`');
    this.options = options;
  }

  /** The ESM implementation, loaded and built on first use. */
  #load(): Promise<Implementation> {
    this.#implementation ??= import('./server.js').then(({ OAuth2Server: ESM }) => new ESM(this.options));
    return this.#implementation;
  }

  async token(...args: Parameters<Implementation['token']>): ReturnType<Implementation['token']> {
    return (await this.#load()).token(...args);
  }

  async authorize(...args: Parameters<Implementation['authorize']>): ReturnType<Implementation['authorize']> {
    return (await this.#load()).authorize(...args);
  }

  async authenticate(...args: Parameters<Implementation['authenticate']>): ReturnType<Implementation['authenticate']> {
    return (await this.#load()).authenticate(...args);
  }
}

// As their index.js: the class itself, with the other classes hung on it.
const { errorFor: _errorFor, isOAuthError: _isOAuthError, ...errorClasses } = errors;
module.exports = Object.assign(OAuth2Server, errorClasses, { Request, Response, AbstractGrantType });
