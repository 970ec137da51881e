/** Basic client credentials sent without the RFC 6749 §2.3.1 form-encoding (curl -u, the MCP SDK), over the wire: they authenticate, and nothing else gets through. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeHosts } from '../helpers/hosts.js';
import type { Harness } from '../helpers/hosts.js';
import { basicAuth, form } from '../helpers/http.js';
import { assertError, assertTokens, header } from '../helpers/flows.js';

// Its raw form also decodes, to something else (`k 7/Qz=+ `): only the raw-form check lets it in.
const SECRET = 'k+7/Qz=%2B+';

const rawBasic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const clientCredentials = (h: Harness, authorization: string) =>
  h.token({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization }, body: form({ grant_type: 'client_credentials' }) });

async function withPlusClient(setup: () => Promise<Harness>): Promise<Harness> {
  const h = await setup();
  await h.store.saveClient({ client_id: 'mcp', client_secret: SECRET, redirect_uris: [], grant_types: ['client_credentials'], scope: 'read' });
  return h;
}

describeHosts('security: Basic credentials sent raw (RFC 6749 §2.3.1)', (setup) => {
  it('a secret with "+" and "%" authenticates at the token endpoint sent raw, as curl -u sends it, and sent form-encoded', async () => {
    const h = await withPlusClient(() => setup());
    assertTokens(await clientCredentials(h, rawBasic('mcp', SECRET)));
    assertTokens(await clientCredentials(h, basicAuth('mcp', SECRET)));
  });

  it('a wrong secret is still invalid_client with a Basic challenge, raw or encoded (RFC 6749 §5.2)', async () => {
    const h = await withPlusClient(() => setup());
    for (const authorization of [rawBasic('mcp', SECRET.replace(/\+/g, ' ')), rawBasic('mcp', `${SECRET}x`), basicAuth('mcp', 'k 7/Qz=+ ')]) {
      const response = await clientCredentials(h, authorization);
      assertError(response, 401, 'invalid_client');
      assert.match(header(response, 'www-authenticate') ?? '', /^Basic /);
    }
  });

  it('a malformed percent sequence in raw Basic credentials is invalid_client, never a 5xx', async () => {
    const h = await withPlusClient(() => setup());
    for (const secret of ['%', '%zz', '%E9%', 'a%2']) {
      assertError(await clientCredentials(h, rawBasic('mcp', secret)), 401, 'invalid_client');
      assertError(await clientCredentials(h, rawBasic(`m%${secret}`, secret)), 401, 'invalid_client');
    }
  });
});
