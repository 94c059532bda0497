import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UpstreamError } from '../../providers/upstream-error.ts';
import { defaultRetryOptions, retryDelay } from './retry-policy.ts';

const transient = (retryAfterMs?: number) => new UpstreamError({ code: 'rate_limit', message: 'slow down', retryable: true, retryAfterMs });

describe('retryDelay', () => {
  it('backs off 1 s, 2 s, 4 s and stops after the last attempt', () => {
    const delays = [1, 2, 3, 4].map((attempt) => retryDelay(attempt, transient(), defaultRetryOptions, () => 0.5));
    assert.deepEqual(delays, [1000, 2000, 4000, undefined]);
  });

  it('spreads delays by at most ±20%', () => {
    assert.equal(retryDelay(1, transient(), defaultRetryOptions, () => 0), 800);
    assert.equal(retryDelay(1, transient(), defaultRetryOptions, () => 0.999999), 1200);
  });

  it('caps the back-off at 30 s', () => {
    const options = { ...defaultRetryOptions, maxAttempts: 10 };
    assert.equal(retryDelay(8, transient(), options, () => 0.5), 30_000);
  });

  it('honours Retry-After, and gives up when it asks for longer than the cap', () => {
    assert.equal(retryDelay(1, transient(2000), defaultRetryOptions, () => 0.5), 2000);
    assert.equal(retryDelay(1, transient(120_000), defaultRetryOptions, () => 0.5), undefined);
  });

  it('never retries what is not retryable', () => {
    const auth = new UpstreamError({ code: 'auth', message: 'bad key', retryable: false });
    assert.equal(retryDelay(1, auth, defaultRetryOptions, () => 0.5), undefined);
  });
});
