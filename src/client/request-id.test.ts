import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomRequestId } from './request-id.ts';

const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('request ids are v4 UUIDs, also where crypto.randomUUID is missing (an insecure browser context)', () => {
  assert.match(randomRequestId(), uuidV4);
  const insecure = { getRandomValues: (array: Uint8Array) => globalThis.crypto.getRandomValues(array) };
  const ids = new Set(Array.from({ length: 1000 }, () => randomRequestId(insecure)));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, uuidV4);
});
