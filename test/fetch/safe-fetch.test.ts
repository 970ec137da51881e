/** The SSRF-safe document fetcher (client ID metadata documents, jwks_uri), against local servers. */
import { after, before, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { createDocumentFetcher } from '../../src/fetch/safe-fetch.js';
import { DocumentFetchError } from '../../src/document-fetcher.js';
import type { DocumentServer } from '../helpers/document-server.js';
import { startDocumentServer } from '../helpers/document-server.js';

const DOC = { client_id: 'x', redirect_uris: ['https://app.example/cb'] };

/** Asserts the fetch is refused with a DocumentFetchError whose message matches. */
async function refused(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof DocumentFetchError, String(err));
    assert.match(err.message, message);
    return true;
  });
}

describe('the document fetcher refuses what a client could use for SSRF', () => {
  let docs: DocumentServer;
  before(async () => {
    docs = await startDocumentServer({ '/doc.json': { json: DOC } });
  });
  after(() => docs.close());

  test('a loopback address is refused without the test-only allowance, and nothing is sent', async () => {
    const port = new URL(docs.url).port;
    const fetcher = createDocumentFetcher();
    await refused(fetcher(`https://127.0.0.1:${port}/doc.json`, { kind: 'client-metadata' }), /non-public address/);
    await refused(fetcher(`https://[::1]:${port}/doc.json`, { kind: 'client-metadata' }), /non-public address/);
    assert.equal(docs.hits('/doc.json'), 0);
  });

  test('a hostname that resolves to a loopback address (localhost) is refused', async () => {
    const port = new URL(docs.url).port;
    await refused(createDocumentFetcher()(`https://localhost:${port}/doc.json`, { kind: 'client-metadata' }), /localhost resolves to .*non-public/);
    assert.equal(docs.hits('/doc.json'), 0);
  });

  test('private, link-local, CGNAT, unique-local, multicast and IPv4-mapped addresses are refused', async () => {
    const fetcher = createDocumentFetcher({ timeoutMs: 500 });
    const hosts = [
      '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1',
      '[fc00::1]', '[fd12:3456::1]', '[fe80::1]', '[::ffff:127.0.0.1]', '[::ffff:169.254.169.254]', '[ff02::1]',
      // Spellings the URL parser normalises to a loopback address.
      '0x7f.0.0.1', '2130706433',
    ];
    for (const host of hosts) {
      await refused(fetcher(`https://${host}/doc.json`, { kind: 'client-metadata' }), /non-public address/);
    }
  });

  test('plain http is refused unless private networks are allowed', async () => {
    await refused(createDocumentFetcher()(`${docs.url}/doc.json`, { kind: 'client-metadata' }), /does not use https/);
  });

  test('URLs with credentials are refused', async () => {
    await refused(createDocumentFetcher({ allowPrivateNetworks: true })(`${docs.url.replace('//', '//user:pw@')}/doc.json`, { kind: 'client-metadata' }), /credentials/);
  });
});

describe('the document fetcher with the test-only allowance (allowPrivateNetworks)', () => {
  let docs: DocumentServer;
  const fetcher = createDocumentFetcher({ allowPrivateNetworks: true, timeoutMs: 1000 });
  before(async () => {
    docs = await startDocumentServer({
      '/doc.json': { json: DOC },
      '/redirect': (_req, res) => res.writeHead(302, { location: '/doc.json' }).end(),
      '/big-declared': (_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' }).end(),
      '/big-chunked': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(`{"pad":"${'x'.repeat(4000)}`);
        res.end(`${'y'.repeat(4000)}"}`);
      },
      '/slow': (_req, res) => {
        // Headers at once, then the body one byte at a time, never finishing in time (slowloris).
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{');
        const drip = setInterval(() => res.write(' '), 100);
        res.on('close', () => clearInterval(drip));
      },
      '/html': (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<p>hi</p>'),
      '/broken': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"a":'),
      '/jwks': (_req, res) => res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end('{"keys":[]}'),
    });
  });
  after(() => docs.close());

  test('fetches a JSON document from a local server', async () => {
    assert.deepEqual(await fetcher(`${docs.url}/doc.json`, { kind: 'client-metadata' }), DOC);
    assert.deepEqual(await fetcher(`${docs.url}/jwks`, { kind: 'jwks' }), { keys: [] });
  });

  test('a redirect is an error, never followed', async () => {
    const before = docs.hits('/doc.json');
    await refused(fetcher(`${docs.url}/redirect`, { kind: 'client-metadata' }), /redirect \(HTTP 302\)/);
    assert.equal(docs.hits('/doc.json'), before);
  });

  test('an answer larger than the limit is refused, whether Content-Length says so or not', async () => {
    await refused(fetcher(`${docs.url}/big-declared`, { kind: 'client-metadata' }), /larger than 5120 bytes/);
    await refused(fetcher(`${docs.url}/big-chunked`, { kind: 'client-metadata' }), /larger than 5120 bytes/);
    // The same 8 KB fit a key set's larger limit.
    assert.ok(await fetcher(`${docs.url}/big-chunked`, { kind: 'jwks' }));
  });

  test('a slow answer is cut off at the time limit', async () => {
    await refused(fetcher(`${docs.url}/slow`, { kind: 'client-metadata' }), /did not answer within 1000 ms/);
  });

  test('an answer that is not JSON is refused: wrong Content-Type, or malformed', async () => {
    await refused(fetcher(`${docs.url}/html`, { kind: 'client-metadata' }), /not JSON \(Content-Type text\/html\)/);
    await refused(fetcher(`${docs.url}/broken`, { kind: 'client-metadata' }), /not valid JSON/);
    await refused(fetcher(`${docs.url}/missing`, { kind: 'client-metadata' }), /HTTP 404/);
  });
});

describe('the document fetcher cache', () => {
  let docs: DocumentServer;
  before(async () => {
    docs = await startDocumentServer();
  });
  after(() => docs.close());

  /** A route answering `{ n }` with this Cache-Control, n counting the fetches. */
  function counted(path: string, cacheControl?: string): void {
    docs.route(path, (_req, res) => res.writeHead(200, { 'content-type': 'application/json', ...(cacheControl && { 'cache-control': cacheControl }) }).end(JSON.stringify({ n: docs.hits(path) })));
  }

  test('max-age is honoured: the document is reused until it expires, then fetched again', async (t) => {
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    t.after(() => mock.timers.reset());
    counted('/max-age', 'public, max-age=120');
    const fetcher = createDocumentFetcher({ allowPrivateNetworks: true });
    assert.deepEqual(await fetcher(`${docs.url}/max-age`, { kind: 'jwks' }), { n: 1 });
    mock.timers.tick(119_000);
    assert.deepEqual(await fetcher(`${docs.url}/max-age`, { kind: 'jwks' }), { n: 1 });
    mock.timers.tick(2_000);
    assert.deepEqual(await fetcher(`${docs.url}/max-age`, { kind: 'jwks' }), { n: 2 });
  });

  test('no-store is never cached', async () => {
    counted('/no-store', 'no-store');
    const fetcher = createDocumentFetcher({ allowPrivateNetworks: true });
    await fetcher(`${docs.url}/no-store`, { kind: 'jwks' });
    assert.deepEqual(await fetcher(`${docs.url}/no-store`, { kind: 'jwks' }), { n: 2 });
  });

  test('max-age is clamped to the cache\'s floor and ceiling', async (t) => {
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    t.after(() => mock.timers.reset());
    counted('/short', 'max-age=1');
    counted('/long', 'max-age=31536000');
    const fetcher = createDocumentFetcher({ allowPrivateNetworks: true, cache: { minTtlSeconds: 60, maxTtlSeconds: 600 } });
    await fetcher(`${docs.url}/short`, { kind: 'jwks' });
    await fetcher(`${docs.url}/long`, { kind: 'jwks' });
    mock.timers.tick(30_000);
    // Past its own max-age, within the floor: still cached.
    assert.deepEqual(await fetcher(`${docs.url}/short`, { kind: 'jwks' }), { n: 1 });
    mock.timers.tick(600_000);
    // A year asked, ten minutes kept.
    assert.deepEqual(await fetcher(`${docs.url}/long`, { kind: 'jwks' }), { n: 2 });
  });

  test('the cache holds at most maxEntries documents, dropping the oldest', async () => {
    for (const path of ['/a', '/b', '/c']) counted(path, 'max-age=3600');
    const fetcher = createDocumentFetcher({ allowPrivateNetworks: true, cache: { maxEntries: 2 } });
    for (const path of ['/a', '/b', '/c']) await fetcher(`${docs.url}${path}`, { kind: 'jwks' });
    assert.deepEqual(await fetcher(`${docs.url}/c`, { kind: 'jwks' }), { n: 1 });
    // /a was dropped to make room for /c.
    assert.deepEqual(await fetcher(`${docs.url}/a`, { kind: 'jwks' }), { n: 2 });
  });

  test('a refresh looks past the cache at most once per interval per URL', async (t) => {
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    t.after(() => mock.timers.reset());
    counted('/keys', 'max-age=3600');
    const fetcher = createDocumentFetcher({ allowPrivateNetworks: true, refreshIntervalSeconds: 30 });
    await fetcher(`${docs.url}/keys`, { kind: 'jwks' });
    // The first refresh goes out at once (a client just rotated its key)...
    assert.deepEqual(await fetcher(`${docs.url}/keys`, { kind: 'jwks', refresh: true }), { n: 2 });
    // ...the next ones within the interval are answered from the cache.
    assert.deepEqual(await fetcher(`${docs.url}/keys`, { kind: 'jwks', refresh: true }), { n: 2 });
    mock.timers.tick(29_000);
    assert.deepEqual(await fetcher(`${docs.url}/keys`, { kind: 'jwks', refresh: true }), { n: 2 });
    mock.timers.tick(2_000);
    assert.deepEqual(await fetcher(`${docs.url}/keys`, { kind: 'jwks', refresh: true }), { n: 3 });
  });
});
