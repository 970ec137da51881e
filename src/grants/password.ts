/** The resource owner password credentials grant. RFC 6749 §4.3 (off unless a client is registered for it, RFC 9700 §2.4). */
import type { PasswordModel } from '../model.js';
import type { Grant } from './grant.js';
import { InvalidGrantError, InvalidRequestError } from '../errors.js';
import { validateScope } from '../validate-scope.js';

export const password: Grant<PasswordModel> = {
  type: 'password',
  publicClients: true,
  requires: ['getClient', 'saveToken', 'getUser'],

  async handle({ params, client, model, tokens, scope }) {
    const { username, password: secret } = params;
    if (username === undefined) throw new InvalidRequestError('Missing parameter: username');
    if (secret === undefined) throw new InvalidRequestError('Missing parameter: password');
    const user = await model.getUser(username, secret, client);
    // One answer for an unknown user and a wrong password: no account enumeration.
    if (!user) throw new InvalidGrantError('The resource owner credentials are invalid');
    const granted = await validateScope(model, user, client, scope);
    return tokens.issue({ client, user, scope: granted, requestedScope: scope, refreshToken: true });
  },
};
