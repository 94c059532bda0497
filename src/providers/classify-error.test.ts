import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { APICallError } from '@ai-sdk/provider';
import { classifyUpstreamError, parseRetryAfter, safeText } from './classify-error.ts';
import { UpstreamError } from './upstream-error.ts';

const now = Date.UTC(2026, 0, 1, 12, 0, 0);

function httpError(statusCode: number, options: { message?: string; headers?: Record<string, string>; data?: unknown } = {}) {
  return new APICallError({
    message: options.message ?? 'failed',
    url: 'http://127.0.0.1/v1/chat/completions',
    requestBodyValues: { secret: 'request body' },
    statusCode,
    responseHeaders: options.headers,
    responseBody: JSON.stringify(options.data ?? {}),
    data: options.data,
  });
}

const summary = (error: UpstreamError) => ({ code: error.code, retryable: error.retryable, status: error.status, retryAfterMs: error.retryAfterMs });

describe('parseRetryAfter', () => {
  const cases: [string, Record<string, string>, number | undefined][] = [
    ['seconds', { 'retry-after': '2' }, 2000],
    ['fractional seconds', { 'retry-after': '1.5' }, 1500],
    ['zero seconds', { 'retry-after': '0' }, 0],
    ['milliseconds header', { 'retry-after-ms': '250' }, 250],
    ['milliseconds header wins', { 'retry-after-ms': '250', 'retry-after': '9' }, 250],
    ['garbage milliseconds fall back to seconds', { 'retry-after-ms': 'soon', 'retry-after': '3' }, 3000],
    ['header names in any case', { 'Retry-After': '4' }, 4000],
    ['HTTP date in the future, relative to now', { 'retry-after': new Date(now + 30_000).toUTCString() }, 30_000],
    ['HTTP date in the past', { 'retry-after': new Date(now - 30_000).toUTCString() }, undefined],
    ['negative seconds', { 'retry-after': '-5' }, undefined],
    ['garbage', { 'retry-after': 'soon' }, undefined],
    ['empty', { 'retry-after': '' }, undefined],
    ['absent', {}, undefined],
  ];
  for (const [name, headers, expected] of cases) {
    test(`${name} → ${expected}`, () => assert.equal(parseRetryAfter(headers, now), expected));
  }

  test('reads a Headers object too', () => {
    assert.equal(parseRetryAfter(new Headers({ 'retry-after': '7' }), now), 7000);
  });
});

describe('classifyUpstreamError by HTTP status', () => {
  const cases: [number, string, boolean][] = [
    [400, 'bad_request', false],
    [401, 'auth', false],
    [402, 'billing', false],
    [403, 'auth', false],
    [404, 'not_found', false],
    [408, 'timeout', true],
    [413, 'bad_request', false],
    [422, 'bad_request', false],
    [429, 'rate_limit', true],
    [500, 'server', true],
    [502, 'server', true],
    [503, 'server', true],
    [529, 'server', true],
  ];
  for (const [status, code, retryable] of cases) {
    test(`${status} → ${code}${retryable ? ', retryable' : ''}`, () => {
      assert.deepEqual(summary(classifyUpstreamError(httpError(status))), { code, retryable, status, retryAfterMs: undefined });
    });
  }

  test('429 carries retryAfterMs from its headers', () => {
    const error = classifyUpstreamError(httpError(429, { headers: { 'retry-after': '3' } }), { now });
    assert.deepEqual(summary(error), { code: 'rate_limit', retryable: true, status: 429, retryAfterMs: 3000 });
  });

  test('429 with an insufficient_quota body is billing and not retryable', () => {
    const data = { error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' } };
    const error = classifyUpstreamError(httpError(429, { message: 'You exceeded your current quota', data, headers: { 'retry-after': '3' } }));
    assert.deepEqual(summary(error), { code: 'billing', retryable: false, status: 429, retryAfterMs: undefined });
  });

  test("Anthropic's low credit balance (a 400) is billing", () => {
    const data = { type: 'error', error: { type: 'invalid_request_error', message: 'Your credit balance is too low to access the Anthropic API.' } };
    const error = classifyUpstreamError(httpError(400, { message: data.error.message, data }));
    assert.equal(error.code, 'billing');
  });

  test('the message is the status and the provider message, never the request body', () => {
    const error = classifyUpstreamError(httpError(500, { message: 'The server had an error' }));
    assert.equal(error.message, 'Provider returned 500: The server had an error');
  });
});

describe('classifyUpstreamError for everything else', () => {
  test('fetch failed with ECONNREFUSED is a retryable network error', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const error = classifyUpstreamError(new TypeError('fetch failed', { cause }));
    assert.deepEqual(summary(error), { code: 'network', retryable: true, status: undefined, retryAfterMs: undefined });
    assert.equal(error.message, 'Network error talking to the provider: connect ECONNREFUSED 127.0.0.1:9');
  });

  test('a socket closed mid-body (wrapped by the SDK with status 200) is network', () => {
    const socket = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    const wrapped = new APICallError({
      message: 'Failed to process successful response',
      url: 'http://x',
      requestBodyValues: {},
      statusCode: 200,
      cause: new TypeError('terminated', { cause: socket }),
    });
    assert.equal(classifyUpstreamError(wrapped).code, 'network');
  });

  test('ECONNRESET is network', () => {
    assert.equal(classifyUpstreamError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })).code, 'network');
  });

  test('anything, even a 500, is cancelled when our signal was aborted', () => {
    const controller = new AbortController();
    controller.abort();
    const error = classifyUpstreamError(httpError(500), { signal: controller.signal });
    assert.deepEqual(summary(error), { code: 'cancelled', retryable: false, status: undefined, retryAfterMs: undefined });
  });

  test('an OpenAI-compatible raw stream error is classified from its type', () => {
    assert.equal(classifyUpstreamError({ message: 'Rate limited', type: 'rate_limit_error', code: null }).code, 'rate_limit');
    assert.equal(classifyUpstreamError({ message: 'boom', type: 'server_error', code: null }).code, 'server');
    assert.equal(classifyUpstreamError({ message: 'bad', type: 'invalid_request_error', code: null }).code, 'bad_request');
  });

  test('a provider stream error with a statusCode uses it', () => {
    const error = classifyUpstreamError({ message: 'Overloaded', type: 'overloaded_error', statusCode: 529, isRetryable: true });
    assert.deepEqual(summary(error), { code: 'server', retryable: true, status: 529, retryAfterMs: undefined });
  });

  test('an UpstreamError passes through unchanged', () => {
    const original = new UpstreamError({ code: 'timeout', message: 'idle', retryable: true });
    assert.equal(classifyUpstreamError(original), original);
  });

  test('a missing API key is auth', () => {
    const error = Object.assign(new Error('OpenAI API key is missing.'), { name: 'AI_LoadAPIKeyError' });
    assert.equal(classifyUpstreamError(error).code, 'auth');
  });

  test('an unrecognised error is unknown and not retryable', () => {
    const error = classifyUpstreamError(new Error('something odd'));
    assert.deepEqual(summary(error), { code: 'unknown', retryable: false, status: undefined, retryAfterMs: undefined });
    assert.equal(error.message, 'Provider error: something odd');
  });
});

describe('safe messages', () => {
  test('keys and bearer tokens are redacted', () => {
    assert.equal(safeText('Incorrect API key provided: sk-proj-abc123def456ghi.'), 'Incorrect API key provided: [redacted]');
    assert.equal(safeText('header was Bearer abc.def.ghi'), 'header was Bearer [redacted]');
  });

  test('long messages are cut to 300 characters on one line', () => {
    const error = classifyUpstreamError(httpError(400, { message: `line one\n${'x'.repeat(1000)}` }));
    assert.equal(error.message.length, 300);
    assert.ok(error.message.startsWith('Provider returned 400: line one xxx'));
    assert.ok(error.message.endsWith('…'));
  });
});
