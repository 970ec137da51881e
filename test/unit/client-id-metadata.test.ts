/** Client ID metadata documents in the core: the URL rules, the document checks and the getClient wrapper, with a stub fetcher. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientIdUrlProblem } from '../../src/client-id-metadata.js';
import { ConfigError } from '../../src/errors.js';
import type { DocumentFetcher } from '../../src/document-fetcher.js';
import { DocumentFetchError } from '../../src/document-fetcher.js';
import { createTestServer, REDIRECT_URI } from '../helpers/fixtures.js';

const CLIENT_ID = 'https://app.example/oauth/client.json';

/** A fetcher serving `documents` by URL, recording what it was asked. */
function stubFetcher(documents: Record<string, unknown>): DocumentFetcher & { asked: string[] } {
  const asked: string[] = [];
  const fetcher = async (url: string): Promise<unknown> => {
    asked.push(url);
    if (!(url in documents)) throw new DocumentFetchError(`${url} answered HTTP 404`);
    return documents[url];
  };
  return Object.assign(fetcher, { asked });
}

const publicDocument = { client_id: CLIENT_ID, redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none', client_name: 'App' };

describe('client ID metadata documents in the core', () => {
  it('client identifier URLs: a path, no dot segments, no fragment, no credentials', () => {
    assert.equal(clientIdUrlProblem(CLIENT_ID), undefined);
    assert.equal(clientIdUrlProblem('https://app.example/client?v=1'), undefined);
    assert.match(clientIdUrlProblem('https://app.example/') ?? '', /path/);
    assert.match(clientIdUrlProblem('https://app.example') ?? '', /path/);
    assert.match(clientIdUrlProblem('https://app.example/a/../client.json') ?? '', /"\." or "\.\."/);
    assert.match(clientIdUrlProblem('https://app.example/a/%2E%2e/client.json') ?? '', /"\." or "\.\."/);
    assert.match(clientIdUrlProblem('https://app.example/./client.json') ?? '', /"\." or "\.\."/);
    assert.match(clientIdUrlProblem('https://app.example/client.json#x') ?? '', /fragment/);
    assert.match(clientIdUrlProblem('https://user:pw@app.example/client.json') ?? '', /username or password/);
  });

  it('turning it on without a fetcher is a ConfigError naming fetchDocument', async () => {
    await assert.rejects(createTestServer({ clientIdMetadataDocuments: true }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.field, 'fetchDocument');
      return true;
    });
  });

  it('a URL client_id is fetched and becomes a public client at every endpoint; a registered client is never fetched', async () => {
    const fetchDocument = stubFetcher({ [CLIENT_ID]: publicDocument });
    const { server } = await createTestServer({ clientIdMetadataDocuments: true, fetchDocument, scopesSupported: ['read'] });
    const client = await server.getClient(CLIENT_ID);
    assert.equal(client?.client_id, CLIENT_ID);
    assert.equal(client?.token_endpoint_auth_method, 'none');
    assert.equal(client?.scope, 'read');
    assert.ok(await server.getClient('SkyVaultapp'));
    assert.deepEqual(fetchDocument.asked, [CLIENT_ID]);
    assert.equal(JSON.parse(server.metadata().body).client_id_metadata_document_supported, true);
  });

  it('a document client presenting a secret is invalid_client: it has none (symmetric secrets are refused)', async () => {
    const fetchDocument = stubFetcher({ [CLIENT_ID]: publicDocument });
    const { server } = await createTestServer({ clientIdMetadataDocuments: true, fetchDocument });
    const response = await server.token({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: 'guess' }).toString(),
    });
    assert.equal(response.status, 401);
    assert.equal(JSON.parse(response.body).error, 'invalid_client');
    assert.match(JSON.parse(response.body).error_description, /has no secret/);
  });

  it('documents with a secret, a foreign client_id or a symmetric method are refused with invalid_client', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...publicDocument, client_secret: 'published' }, /must not contain client_secret/],
      [{ ...publicDocument, client_id: 'https://other.example/client.json' }, /not its own URL/],
      [{ ...publicDocument, token_endpoint_auth_method: 'client_secret_post' }, /must be one of none, private_key_jwt/],
      [{ ...publicDocument, token_endpoint_auth_method: 'private_key_jwt' }, /jwks or jwks_uri is required/],
      [{ ...publicDocument, grant_types: ['password'] }, /does not support/],
      // Anyone can publish a document: it never makes its publisher a machine-to-machine client.
      [{ ...publicDocument, token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://app.example/jwks', grant_types: ['client_credentials'] }, /client_credentials.*does not support/],
    ];
    for (const [document, message] of cases) {
      const { server } = await createTestServer({ clientIdMetadataDocuments: true, fetchDocument: stubFetcher({ [CLIENT_ID]: document }) });
      await assert.rejects(server.getClient(CLIENT_ID), (err: unknown) => {
        assert.equal((err as { error?: string }).error, 'invalid_client');
        assert.match((err as Error).message, message);
        return true;
      });
    }
  });
});
