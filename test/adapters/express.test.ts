/** The adapter contract against Express, and the parsed-body path of `express.urlencoded()`. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import createApp, { urlencoded } from 'express';
import type { AuthorizationServer } from '../../src/index.js';
import { express } from '../../src/adapters/express.js';
import { createTestServer } from '../helpers/fixtures.js';
import { SERVICE } from '../helpers/flows.js';
import { basicAuth } from '../helpers/http.js';
import type { RunningHost } from './contract.js';
import { RESOURCES, SECURE_BODY, adapterContract, interaction, listen } from './contract.js';

function startExpress(server: AuthorizationServer, parseForms = false): Promise<RunningHost> {
  const app = createApp();
  if (parseForms) app.use(urlencoded({ extended: false }));
  const oauth = express(server, { interaction });
  app.use(oauth);
  for (const [path, scope] of Object.entries(RESOURCES)) {
    app.all(path, oauth.authenticate(scope ? { scope } : {}), (_req, res) => {
      res.send(SECURE_BODY);
    });
  }
  return listen(createServer(app));
}

adapterContract('Express', (server) => startExpress(server));

let parsed: RunningHost;
before(async () => {
  parsed = await startExpress((await createTestServer()).server, true);
});
after(() => parsed.close());

const tokenPost = (body: string) =>
  fetch(`${parsed.url}/oauth/token`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(...SERVICE) },
  });

test('behind express.urlencoded(), a token request still succeeds (RFC 6749 §4.4)', async () => {
  const response = await tokenPost('grant_type=client_credentials');
  assert.equal(response.status, 200);
});

test('behind express.urlencoded(), a repeated parameter is still refused (RFC 6749 §3.2)', async () => {
  const response = await tokenPost('grant_type=client_credentials&scope=read&scope=read');
  assert.equal(response.status, 400);
  assert.equal(((await response.json()) as { error: string }).error, 'invalid_request');
});
