import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StreamLimiter } from './stream-limiter.ts';

describe('StreamLimiter', () => {
  it('refuses past the cap per token, frees a slot on release (once), and forgets idle tokens', () => {
    const limiter = new StreamLimiter(2);
    const first = limiter.acquire('a')!;
    const second = limiter.acquire('a')!;
    assert.equal(limiter.acquire('a'), undefined);
    assert.ok(limiter.acquire('b'), 'another token has its own count');
    first();
    first();
    assert.equal(limiter.open('a'), 1);
    assert.ok(limiter.acquire('a'));
    assert.equal(limiter.acquire('a'), undefined);
    second();
    assert.equal(limiter.open('a'), 1);
  });
});
