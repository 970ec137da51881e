import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError, OAuthError, errorClasses } from '../../src/errors.js';
import type { OAuthErrorCode } from '../../src/errors.js';

const table = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

/** The docs table rows: code -> [class, status, section]. */
const rows = new Map(
  [...table.matchAll(/^\| `([a-z_]+)` \| `(\w+)` \| (\d{3})[^|]* \| ([^|]+) \|$/gm)].map((m) => [m[1], { name: m[2], status: Number(m[3]), section: m[4]?.trim() }]),
);

describe('the error registry (in the style of fastify test/internals/errors.test.js)', () => {
  const codes = Object.keys(errorClasses) as OAuthErrorCode[];

  it('has the thirty codes of RFC 6749, RFC 6750, RFC 7009, RFC 8707, RFC 7591, RFC 8628, RFC 9101, RFC 9449 and OpenID Connect Core §3.1.2.6', () => {
    assert.equal(codes.length, 30);
  });

  for (const code of codes) {
    it(`${code}: a class with error "${code}", an HTTP error status, and a row in docs/errors.md`, () => {
      const err = new errorClasses[code]('described');
      assert.ok(err instanceof OAuthError);
      assert.ok(err instanceof Error);
      assert.equal(err.error, code);
      assert.equal(err.description, 'described');
      assert.ok(Number.isInteger(err.status) && err.status >= 400 && err.status < 600);
      assert.equal(err.name, err.constructor.name);
      const row = rows.get(code);
      assert.ok(row, `docs/errors.md has no row for ${code}`);
      assert.equal(row.name, err.constructor.name);
      assert.equal(row.status, err.status);
      assert.match(row.section ?? '', /RFC \d+ §/);
    });
  }

  it('docs/errors.md lists no code the registry lacks', () => {
    assert.deepEqual([...rows.keys()].sort(), [...codes].sort());
  });

  it('only invalid_client is never redirected by itself (RFC 6749 §4.1.2.1)', () => {
    const fixed = codes.filter((code) => !new errorClasses[code]('x').redirectable);
    assert.deepEqual(fixed, ['invalid_client']);
  });

  it('ConfigError carries a stable code and names the field', () => {
    const err = new ConfigError('ERR_TOLLGATE_INVALID_OPTION', 'accessTokenTtl', 'must be positive');
    assert.equal(err.code, 'ERR_TOLLGATE_INVALID_OPTION');
    assert.equal(err.field, 'accessTokenTtl');
    assert.equal(err.message, 'accessTokenTtl: must be positive');
    assert.ok(!(err instanceof OAuthError));
    for (const code of ['ERR_TOLLGATE_INVALID_OPTION', 'ERR_TOLLGATE_INVALID_CONFIG', 'ERR_TOLLGATE_MODEL']) assert.ok(table.includes(code));
  });
});
