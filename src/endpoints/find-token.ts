/** Finding a presented token of either kind, as revocation (RFC 7009 §2.1) and introspection (RFC 7662 §2.1) must. */
import type { AuthenticateModel, RefreshTokenModel } from '../model.js';
import type { AccessToken, RefreshToken } from '../types.js';

export type FoundToken = { kind: 'access_token'; token: AccessToken } | { kind: 'refresh_token'; token: RefreshToken };

/** The token, looked up in the order the `token_type_hint` suggests; an unknown hint is ignored (RFC 7009 §2.1). */
export async function findToken(
  model: AuthenticateModel & Partial<RefreshTokenModel>,
  value: string,
  hint: string | undefined,
): Promise<FoundToken | undefined> {
  const access = async (): Promise<FoundToken | undefined> => {
    const token = await model.getAccessToken(value);
    return token ? { kind: 'access_token', token } : undefined;
  };
  const refresh = async (): Promise<FoundToken | undefined> => {
    const token = model.getRefreshToken ? await model.getRefreshToken(value) : undefined;
    return token ? { kind: 'refresh_token', token } : undefined;
  };
  return hint === 'refresh_token' ? ((await refresh()) ?? access()) : ((await access()) ?? refresh());
}
