import { it } from 'node:test';
import assert from 'node:assert/strict';
import { newGrantId } from '../../src/grant-id.js';

it('grant ids are UUIDv7: version 7, variant 10, the time first so they sort by creation (RFC 9562 §5.7)', () => {
  const earlier = newGrantId(1_700_000_000_000);
  const later = newGrantId(1_700_000_000_001);
  assert.match(earlier, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(earlier.slice(0, 13), '018bcfe5-6800');
  assert.ok(earlier < later);
  assert.notEqual(newGrantId(1), newGrantId(1), 'the rest is random');
});
