'use strict';
/**
 * A CommonJS Express app written for node-oauth2-server 5, in the style of express-oauth-server:
 * middleware that wraps req/res in the library's Request/Response, and an error handler that tells
 * the library's errors apart with the classes hung on the export. Moved to tollgate by changing
 * the require line only.
 */
const express = require('express');
// Was: const OAuth2Server = require('@node-oauth/oauth2-server');
const OAuth2Server = require('tollgate/compat');

const { Request, Response, OAuthError, UnauthorizedRequestError, InvalidGrantError } = OAuth2Server;

// The model, as their documentation writes one: plain arrays and functions.
const clients = [
  { id: 'demo', clientSecret: 'demo-secret', grants: ['client_credentials'], redirectUris: [] },
  { id: 'suspended', clientSecret: 'suspended-secret', grants: ['client_credentials'], redirectUris: [] },
];
const suspended = new Set(['suspended']);
const tokens = [];
const model = {
  getClient(clientId, clientSecret) {
    return clients.find((c) => c.id === clientId && (clientSecret === null || c.clientSecret === clientSecret)) || false;
  },
  getUserFromClient(client) {
    // A model refusing with the library's own error: it reaches the client as invalid_grant.
    if (suspended.has(client.id)) throw new InvalidGrantError('Client account suspended');
    return { id: client.id };
  },
  saveToken(token, client, user) {
    const saved = Object.assign({}, token, { client, user });
    tokens.push(saved);
    return saved;
  },
  getAccessToken(accessToken) {
    return tokens.find((t) => t.accessToken === accessToken) || false;
  },
};

/** express-oauth-server's shape: one middleware per operation, errors answered by `handleError`. */
class ExpressOAuthServer {
  constructor(options) {
    this.server = new OAuth2Server(options);
  }

  authenticate() {
    return async (req, res, next) => {
      const response = new Response(res);
      try {
        res.locals.oauth = { token: await this.server.authenticate(new Request(req), response) };
      } catch (err) {
        return handleError(err, res, response);
      }
      next();
    };
  }

  token() {
    return async (req, res) => {
      const response = new Response(res);
      try {
        res.locals.oauth = { token: await this.server.token(new Request(req), response) };
      } catch (err) {
        return handleError(err, res, response);
      }
      res.set(response.headers).status(response.status).json(response.body);
    };
  }
}

/** Their error handler: a challenge without a body for a request without credentials, the RFC 6749 §5.2 JSON otherwise. */
function handleError(err, res, response) {
  if (!(err instanceof OAuthError)) return res.status(500).json({ error: 'server_error' });
  res.set(response.headers).status(err.code);
  if (err instanceof UnauthorizedRequestError) return res.end();
  res.json({ error: err.name, error_description: err.message });
}

const oauth = new ExpressOAuthServer({ model });
const app = express();
app.use(express.urlencoded({ extended: false }));
app.post('/oauth/token', oauth.token());
app.get('/secure', oauth.authenticate(), (req, res) => res.send(`Hello, ${res.locals.oauth.token.client.id}!`));

const http = app.listen(Number(process.env.PORT || 3000), () => {
  console.log(`tollgate example listening on http://127.0.0.1:${http.address().port}`);
});
