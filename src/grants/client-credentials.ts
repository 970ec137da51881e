/** The client credentials grant. RFC 6749 §4.4. */
import type { ClientCredentialsModel } from '../model.js';
import type { Grant } from './grant.js';
import { InvalidGrantError } from '../errors.js';
import { validateScope } from '../validate-scope.js';

export const clientCredentials: Grant<ClientCredentialsModel> = {
  type: 'client_credentials',
  // §4.4: "MUST only be used by confidential clients".
  publicClients: false,
  requires: ['getClient', 'saveToken', 'getUserFromClient'],

  async handle({ client, model, tokens, scope }) {
    const user = await model.getUserFromClient(client);
    if (!user) throw new InvalidGrantError('This client has no resource owner to act as');
    const granted = await validateScope(model, user, client, scope);
    // §4.4.3: "A refresh token SHOULD NOT be included."
    return tokens.issue({ client, user, scope: granted, requestedScope: scope, refreshToken: false });
  },
};
