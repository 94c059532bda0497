import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { collectUntilError, peerTargets, testApiKey } from '../../../test/peers/peer-models.ts';
import type { FakeUpstream } from '../../../test/peers/upstream-script.ts';
import type { StreamPart } from '../stream-part.ts';
import { UpstreamError } from '../upstream-error.ts';
import { createAiSdkStepSource } from './ai-sdk-step-source.ts';
import { freePort } from '../../util/free-port.ts';

function assertUpstreamError(error: unknown, expected: { code: string; retryable: boolean; status?: number; retryAfterMs?: number }): UpstreamError {
  assert.ok(UpstreamError.is(error), `expected an UpstreamError, got ${String(error)}`);
  assert.deepEqual(
    { code: error.code, retryable: error.retryable, status: error.status, retryAfterMs: error.retryAfterMs },
    { status: undefined, retryAfterMs: undefined, ...expected },
  );
  assert.ok(!error.message.includes(testApiKey), 'message must not contain the API key');
  return error;
}

const deltas = (parts: StreamPart[]) => parts.flatMap((part) => (part.type === 'text-delta' ? [part.delta] : []));

for (const target of peerTargets) {
  describe(`step failures over ${target.name}`, () => {
    let upstream: FakeUpstream;
    let aborted = 0;
    before(async () => {
      upstream = await target.start();
    });
    after(() => upstream.close());
    const source = (idleTimeoutMs?: number) => createAiSdkStepSource(target.model(upstream), { idleTimeoutMs });
    /** Waits until the upstream saw one more client go away than before. */
    const expectOneMoreAbort = async () => {
      aborted += 1;
      await upstream.waitForAborts(aborted);
      assert.equal(upstream.abortedCount, aborted);
    };

    test('429 with retry-after is a retryable rate_limit carrying retryAfterMs', async () => {
      upstream.enqueue({ kind: 'error', status: 429, message: 'Rate limit reached for requests', headers: { 'retry-after': '2' } });
      const { parts, error } = await collectUntilError(source());
      assert.deepEqual(parts, []);
      const failure = assertUpstreamError(error, { code: 'rate_limit', retryable: true, status: 429, retryAfterMs: 2000 });
      assert.equal(failure.message, 'Provider returned 429: Rate limit reached for requests');
    });

    test('401 is auth and not retryable', async () => {
      upstream.enqueue({ kind: 'error', status: 401, message: 'Incorrect API key provided: sk-test-0123456789abcdef.' });
      const { error } = await collectUntilError(source());
      const failure = assertUpstreamError(error, { code: 'auth', retryable: false, status: 401 });
      assert.equal(failure.message, 'Provider returned 401: Incorrect API key provided: [redacted]');
    });

    test('404 is not_found and not retryable', async () => {
      upstream.enqueue({ kind: 'error', status: 404, message: 'The model does not exist' });
      assertUpstreamError((await collectUntilError(source())).error, { code: 'not_found', retryable: false, status: 404 });
    });

    test('500 is a retryable server error', async () => {
      upstream.enqueue({ kind: 'error', status: 500, message: 'The server had an error' });
      assertUpstreamError((await collectUntilError(source())).error, { code: 'server', retryable: true, status: 500 });
    });

    test('a socket dropped mid-stream is a retryable network error after the deltas already yielded', async () => {
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'one' }, { text: ' two' }, { text: ' three' }], dropAfter: 2 });
      const { parts, error } = await collectUntilError(source());
      assert.deepEqual(deltas(parts), ['one', ' two']);
      assert.ok(!parts.some((part) => part.type === 'finish'));
      assertUpstreamError(error, { code: 'network', retryable: true });
    });

    test('a stream that ends cleanly without its finish signal is a retryable error, never a finished answer', async () => {
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'one' }, { text: ' two' }, { text: ' three' }], endAfter: 2 });
      const { parts, error } = await collectUntilError(source());
      assert.deepEqual(deltas(parts), ['one', ' two']);
      assert.ok(!parts.some((part) => part.type === 'finish'), 'a cut answer is not reported as finished');
      // openai-compatible itself rejects the stream as invalid; the other two report `interrupted`.
      assertUpstreamError(error, { code: target.name === 'openai-compatible' ? 'server' : 'network', retryable: true });
    });

    test('an in-stream error event after some output is a retryable server error naming the message', async () => {
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'one' }, { text: ' two' }, { text: ' three' }], errorAfter: { chunks: 2, message: 'Internal stream failure' } });
      const { parts, error } = await collectUntilError(source());
      assert.deepEqual(deltas(parts), ['one', ' two']);
      const failure = assertUpstreamError(error, { code: 'server', retryable: true, status: target.name === 'openai-compatible' ? undefined : 500 });
      assert.match(failure.message, /Internal stream failure/);
    });

    test('aborting the signal while the stream holds ends the step quickly as cancelled and aborts the request', async () => {
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'one' }, { text: ' two' }], holdAfter: 1 });
      const controller = new AbortController();
      // The upstream holds until the test ends, so the step can only end here because of the abort.
      const { parts, error } = await collectUntilError(source(), { signal: controller.signal }, (part) => {
        if (part.type === 'text-delta') controller.abort();
      });
      assert.deepEqual(deltas(parts), ['one']);
      assertUpstreamError(error, { code: 'cancelled', retryable: false });
      await expectOneMoreAbort();
    });

    test('a stream idle for longer than idleTimeoutMs fails with a retryable timeout and is aborted', async () => {
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'one' }, { text: ' two' }], holdAfter: 1 });
      const started = performance.now();
      // 1 s, not less: on a loaded machine the first chunk itself can take a few hundred ms.
      const { parts, error } = await collectUntilError(source(1_000));
      const elapsed = performance.now() - started;
      assert.deepEqual(deltas(parts), ['one']);
      assertUpstreamError(error, { code: 'timeout', retryable: true });
      // Not early; the upstream holds until the test ends, so only the idle timer can end the step.
      assert.ok(elapsed >= 990, `timed out after ${elapsed} ms`);
      await expectOneMoreAbort();
    });

    test('the idle timeout also covers the wait for the first part', async () => {
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'late' }], holdAfter: 0 });
      const { parts, error } = await collectUntilError(source(1_000));
      assert.deepEqual(parts, []);
      assertUpstreamError(error, { code: 'timeout', retryable: true });
      await expectOneMoreAbort();
    });

    test('leaving the iteration early aborts the request', async () => {
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'one' }, { text: ' two' }], holdAfter: 1 });
      for await (const part of source().stream({ system: '', messages: [{ role: 'user', text: 'Hi' }], tools: [], signal: new AbortController().signal })) {
        if (part.type === 'text-delta') break;
      }
      await expectOneMoreAbort();
    });

    test('a signal aborted before the step starts sends no request', async () => {
      const before = upstream.requests.length;
      const { error } = await collectUntilError(source(), { signal: AbortSignal.abort() });
      assertUpstreamError(error, { code: 'cancelled', retryable: false });
      assert.equal(upstream.requests.length, before);
    });
  });
}

describe('failures specific to one provider', () => {
  test('OpenAI 429 insufficient_quota is billing, not retryable', async () => {
    const target = peerTargets.find((candidate) => candidate.name === 'openai')!;
    const upstream = await target.start();
    upstream.enqueue({ kind: 'error', status: 429, type: 'insufficient_quota', message: 'You exceeded your current quota.', headers: { 'retry-after': '20' } });
    const { error } = await collectUntilError(createAiSdkStepSource(target.model(upstream)));
    await upstream.close();
    assertUpstreamError(error, { code: 'billing', retryable: false, status: 429 });
  });

  test('Anthropic 529 overloaded is a retryable server error', async () => {
    const target = peerTargets.find((candidate) => candidate.name === 'anthropic')!;
    const upstream = await target.start();
    upstream.enqueue({ kind: 'error', status: 529, message: 'Overloaded' });
    const { error } = await collectUntilError(createAiSdkStepSource(target.model(upstream)));
    await upstream.close();
    const failure = assertUpstreamError(error, { code: 'server', retryable: true, status: 529 });
    assert.equal(failure.message, 'Provider returned 529: Overloaded');
  });

  test('retry-after-ms wins over retry-after', async () => {
    const target = peerTargets[0];
    const upstream = await target.start();
    upstream.enqueue({ kind: 'error', status: 429, message: 'slow down', headers: { 'retry-after': '9', 'retry-after-ms': '250' } });
    const { error } = await collectUntilError(createAiSdkStepSource(target.model(upstream)));
    await upstream.close();
    assertUpstreamError(error, { code: 'rate_limit', retryable: true, status: 429, retryAfterMs: 250 });
  });

  test('a refused connection is a retryable network error', async () => {
    const port = await freePort();
    const model = createOpenAICompatible({ name: 'local', baseURL: `http://127.0.0.1:${port}/v1`, includeUsage: true }).chatModel('m1');
    const { error } = await collectUntilError(createAiSdkStepSource(model));
    const failure = assertUpstreamError(error, { code: 'network', retryable: true });
    assert.match(failure.message, /ECONNREFUSED/);
  });
});

