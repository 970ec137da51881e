/**
 * Their extension grant classes (`extendedGrantTypes`, usually `extends AbstractGrantType`) as
 * tollgate grants (RFC 6749 §4.5): the class is built with their constructor options and its
 * `handle(request, client)` runs as the grant's token endpoint half. Its `this.model.saveToken`
 * goes through the core's token issuer, so the token is stored and answered like every other.
 */
import type { Grant, GrantContext, TokenResponseBody } from '../grants/grant.js';
import { InvalidRequestError as CoreInvalidRequestError } from '../errors.js';
import type { CompatClient, CompatModel, CompatToken, CompatTokenToSave, CompatUser } from './model.js';
import { compatClient } from './model.js';
import { crossing } from './model-errors.js';
import type { GrantTypeOptions, Request } from './classes.js';

/** Their extension grant: built with the lifetimes and model, its `handle` resolves to the saved token. */
export type ExtendedGrantType = new (options: GrantTypeOptions) => {
  /** Issues the token for a token request of this grant type, or refuses it by throwing one of their errors. */
  handle(request: Request, client: CompatClient): Promise<CompatToken | null | undefined>;
};

export interface ExtensionGrantSettings {
  model: CompatModel;
  accessTokenLifetime: number;
  refreshTokenLifetime: number;
  alwaysIssueNewRefreshToken: boolean;
  /** Where the model's `saveToken` answers land, by access token (shared with the server). */
  savedTokens: Map<string, CompatToken>;
}

const STANDARD = new Set(['accessToken', 'accessTokenExpiresAt', 'refreshToken', 'refreshTokenExpiresAt', 'scope', 'client', 'user']);

/** What their grant passed to `saveToken` beyond the standard fields: kept with the token. */
function extraFields(token: Record<string, unknown>): Record<string, unknown> | undefined {
  const extra = Object.fromEntries(Object.entries(token).filter(([name]) => !STANDARD.has(name)));
  return Object.keys(extra).length > 0 ? extra : undefined;
}

/** Their model, with `saveToken` issuing through the core (which calls their `saveToken` in turn). */
function issuingModel(context: GrantContext, settings: ExtensionGrantSettings, issued: { body?: TokenResponseBody }): CompatModel {
  const model: CompatModel = Object.create(settings.model) as CompatModel;
  model.saveToken = async (token: CompatTokenToSave, _client: CompatClient, user: CompatUser) => {
    if (typeof token?.accessToken !== 'string' || token.accessToken === '') throw new CoreInvalidRequestError('The extension grant issued no access token');
    issued.body = await context.tokens.issue({
      client: context.client,
      user,
      scope: [...(token.scope ?? [])],
      refreshToken: typeof token.refreshToken === 'string',
      values: { accessToken: token.accessToken, refreshToken: token.refreshToken },
      extra: extraFields(token as unknown as Record<string, unknown>),
    });
    return settings.savedTokens.get(token.accessToken) ?? false;
  };
  return model;
}

export function extensionGrant(type: string, GrantType: ExtendedGrantType, settings: ExtensionGrantSettings): Grant {
  return {
    type,
    async handle(context) {
      const client = compatClient(context.client);
      const issued: { body?: TokenResponseBody } = {};
      const grant = new GrantType({
        accessTokenLifetime: client.accessTokenLifetime ?? settings.accessTokenLifetime,
        refreshTokenLifetime: client.refreshTokenLifetime ?? settings.refreshTokenLifetime,
        model: issuingModel(context, settings, issued),
        alwaysIssueNewRefreshToken: settings.alwaysIssueNewRefreshToken,
      });
      const token = await grant.handle(context.credentials.request as Request, client).catch((err: unknown) => {
        throw crossing(err);
      });
      if (!token?.accessToken) throw new CoreInvalidRequestError('The extension grant issued no token');
      if (issued.body) return issued.body;
      // A grant that saved its token elsewhere: answer what it returned.
      settings.savedTokens.set(token.accessToken, token);
      const expiresAt = token.accessTokenExpiresAt?.getTime() ?? Date.now() + settings.accessTokenLifetime * 1000;
      return {
        access_token: token.accessToken,
        token_type: 'Bearer',
        expires_in: Math.max(0, Math.round((expiresAt - Date.now()) / 1000)),
        ...(token.refreshToken !== undefined && { refresh_token: token.refreshToken }),
      };
    },
  };
}
