import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatScope, isSubset, parseScope } from '../../src/scope.js';

describe('scope (RFC 6749 §3.3)', () => {
  it('parses space-delimited tokens and drops repeats', () => {
    assert.deepEqual(parseScope('read write read'), ['read', 'write']);
    assert.equal(parseScope(undefined), undefined);
  });

  it('refuses characters outside scope-token and empty tokens', () => {
    for (const bad of ['read  write', ' read', 'read ', 'a"b', 'a\\b', 'caf\u00e9', 'tab\there']) {
      assert.throws(() => parseScope(bad), { error: 'invalid_scope' }, bad);
    }
  });

  it('formats and compares', () => {
    assert.equal(formatScope(['read', 'write']), 'read write');
    assert.ok(isSubset(['read'], ['read', 'write']));
    assert.ok(!isSubset(['admin'], ['read']));
  });
});
