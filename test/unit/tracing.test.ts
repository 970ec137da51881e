/**
 * OpenTelemetry traces (option `tracing`, issue 14): a span per endpoint the router answers and per
 * store call, with the grant type, client and outcome as attributes and never a secret or token;
 * nothing without the option; and the core still loads and serves when `@opentelemetry/api` is not
 * installed (hidden with test/helpers/hide-package.mjs).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createAuthorizationServer } from '../../src/index.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { basicAuth } from '../helpers/http.js';
import { validateConfig } from '../../src/app/config.js';
import { demoConfig } from '../helpers/app-server.js';

const CLIENT = { client_id: 'tracer-client', client_secret: 'a-tracer-client-secret-nobody-may-see', redirect_uris: [], grant_types: ['client_credentials'], scope: 'read' };

async function server(tracing: boolean | undefined) {
  const model = await createMemoryStore({ clients: [CLIENT] });
  return createAuthorizationServer({ issuer: 'https://as.example', grantTypes: ['client_credentials'], model, ...(tracing !== undefined && { tracing }) });
}

const tokenRequest = (grantType: string) => ({
  method: 'POST',
  url: '/oauth/token',
  headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(CLIENT.client_id, CLIENT.client_secret) },
  body: `grant_type=${grantType}&scope=read`,
});

describe('OpenTelemetry traces', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  before(() => {
    trace.setGlobalTracerProvider(provider);
  });
  after(async () => {
    trace.disable();
    await provider.shutdown();
  });

  it('a token request makes a tollgate.token span with grant type, client and status, and store spans; no secret or token in any attribute', async () => {
    exporter.reset();
    const as = await server(true);
    const response = await as.handle(tokenRequest('client_credentials'));
    assert.equal(response?.status, 200);
    const { access_token: accessToken } = JSON.parse(response?.body ?? '{}') as { access_token: string };
    const spans = exporter.getFinishedSpans();
    const endpoint = spans.find((span) => span.name === 'tollgate.token');
    assert.ok(endpoint, spans.map((span) => span.name).join(', '));
    assert.deepEqual(endpoint.attributes, {
      'oauth.grant_type': 'client_credentials',
      'oauth.client_id': CLIENT.client_id,
      'http.response.status_code': 200,
    });
    const store = spans.filter((span) => span.name.startsWith('tollgate.store.')).map((span) => span.name);
    assert.ok(store.includes('tollgate.store.getClient'), store.join(', '));
    assert.ok(store.includes('tollgate.store.saveToken'), store.join(', '));
    const everything = JSON.stringify(spans.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events })));
    assert.ok(!everything.includes(CLIENT.client_secret), 'no client secret in a span');
    assert.ok(!everything.includes(accessToken), 'no access token in a span');
    assert.ok(!everything.includes(basicAuth(CLIENT.client_id, CLIENT.client_secret).slice(6)), 'no Authorization header in a span');
  });

  it('a refused token request records the RFC 6749 §5.2 error code', async () => {
    exporter.reset();
    const as = await server(true);
    const response = await as.handle(tokenRequest('password'));
    assert.equal(response?.status, 400);
    const endpoint = exporter.getFinishedSpans().find((span) => span.name === 'tollgate.token');
    assert.equal(endpoint?.attributes['oauth.error'], 'unsupported_grant_type');
    assert.equal(endpoint?.attributes['http.response.status_code'], 400);
  });

  it('without the option, no span at all', async () => {
    exporter.reset();
    const as = await server(undefined);
    assert.equal((await as.handle(tokenRequest('client_credentials')))?.status, 200);
    assert.deepEqual(exporter.getFinishedSpans(), []);
  });
});

describe('OpenTelemetry traces without @opentelemetry/api installed', () => {
  it('the core loads and serves with tracing on (the api is imported only when tracing, and its absence is no error)', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const hideHook = fileURLToPath(new URL('../helpers/hide-package.mjs', import.meta.url));
    const script = `
      import { createAuthorizationServer } from './src/index.ts';
      import { createMemoryStore } from './src/stores/memory.ts';
      let hidden = 'visible';
      try { await import('@opentelemetry/api'); } catch { hidden = 'hidden'; }
      const model = await createMemoryStore({ clients: [${JSON.stringify(CLIENT)}] });
      const as = createAuthorizationServer({ issuer: 'https://as.example', grantTypes: ['client_credentials'], model, tracing: true });
      const basic = 'Basic ' + Buffer.from('${CLIENT.client_id}:${CLIENT.client_secret}').toString('base64');
      const response = await as.handle({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }, body: 'grant_type=client_credentials' });
      console.log(hidden, response.status);`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--import', hideHook, '--input-type=module', '-e', script], {
      cwd: root,
      env: { ...process.env, TOLLGATE_HIDE_PACKAGES: '@opentelemetry/api' },
    });
    assert.equal(stdout.trim(), 'hidden 200');
  });
});

describe('server config "tracing"', () => {
  it('is off by default, true turns it on, anything else is refused naming the field', () => {
    assert.equal(validateConfig(demoConfig()).tracing, false);
    assert.equal(validateConfig(demoConfig({ tracing: true })).tracing, true);
    assert.throws(() => validateConfig(demoConfig({ tracing: 'yes' })), /config\.tracing/);
  });
});
