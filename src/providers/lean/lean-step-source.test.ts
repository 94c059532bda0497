import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startAnthropicUpstream } from '../../../test/peers/anthropic-upstream.ts';
import { startOpenAIUpstream } from '../../../test/peers/openai-upstream.ts';
import { collectParts, collectUntilError, stepRequest, testApiKey } from '../../../test/peers/peer-models.ts';
import type { FakeUpstream } from '../../../test/peers/upstream-script.ts';
import type { StepSource, StreamPart } from '../stream-part.ts';
import { UpstreamError } from '../upstream-error.ts';
import { createAnthropicWire } from './anthropic-wire.ts';
import { createChatCompletionsWire } from './chat-completions-wire.ts';
import { createLeanStepSource, LeanUnsupported, type LeanWire } from './lean-step-source.ts';
import { freePort } from '../../util/free-port.ts';

/** What the lean step source does itself (the differential tests cover what it shares with the AI SDK path). */
const deltas = (parts: StreamPart[]) => parts.flatMap((part) => (part.type === 'text-delta' ? [part.delta] : []));
const config = (baseURL: string, modelId = 'm1') => ({ providerName: 'local', modelId, baseURL, apiKey: testApiKey, headers: undefined, providerOptions: undefined });

function assertFailure(error: unknown, code: string, retryable: boolean): UpstreamError {
  assert.ok(UpstreamError.is(error), `expected an UpstreamError, got ${String(error)}`);
  assert.deepEqual({ code: error.code, retryable: error.retryable }, { code, retryable });
  return error;
}

for (const target of [
  { name: 'chat completions', start: startOpenAIUpstream, wire: (url: string) => createChatCompletionsWire('openai-compatible', config(url)) },
  { name: 'anthropic', start: startAnthropicUpstream, wire: (url: string) => createAnthropicWire(config(url, 'claude-sonnet-4-5')) },
]) {
  describe(`lean step source over ${target.name}`, () => {
    let upstream: FakeUpstream;
    let aborted = 0;
    before(async () => {
      upstream = await target.start();
    });
    after(() => upstream.close());
    const source = (idleTimeoutMs?: number) => createLeanStepSource(target.wire(upstream.url), { idleTimeoutMs });
    const expectOneMoreAbort = async () => {
      aborted += 1;
      await upstream.waitForAborts(aborted);
      assert.equal(upstream.abortedCount, aborted);
    };

    test('aborting the signal while the stream holds ends the step as cancelled and aborts the request', async () => {
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'one' }, { text: ' two' }], holdAfter: 1 });
      const controller = new AbortController();
      const { parts, error } = await collectUntilError(source(), { signal: controller.signal }, (part) => {
        if (part.type === 'text-delta') controller.abort();
      });
      assert.deepEqual(deltas(parts), ['one']);
      assertFailure(error, 'cancelled', false);
      await expectOneMoreAbort();
    });

    test('a stream idle for longer than idleTimeoutMs fails with a retryable timeout and is aborted', async () => {
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'one' }, { text: ' two' }], holdAfter: 1 });
      const started = performance.now();
      // 1 s, not less: on a loaded machine the first chunk itself can take a few hundred ms.
      const { parts, error } = await collectUntilError(source(1_000));
      assert.deepEqual(deltas(parts), ['one']);
      assertFailure(error, 'timeout', true);
      assert.ok(performance.now() - started >= 990, 'not before the idle time');
      await expectOneMoreAbort();
    });

    test('the idle timeout also covers the wait for the response', async () => {
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'late' }], holdAfter: 0 });
      const { parts, error } = await collectUntilError(source(1_000));
      assert.deepEqual(parts, []);
      assertFailure(error, 'timeout', true);
      await expectOneMoreAbort();
    });

    test('leaving the iteration early aborts the request', async () => {
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'one' }, { text: ' two' }], holdAfter: 1 });
      for await (const part of source().stream(stepRequest())) if (part.type === 'text-delta') break;
      await expectOneMoreAbort();
    });

    test('a signal aborted before the step starts sends no request', async () => {
      const before = upstream.requests.length;
      assertFailure((await collectUntilError(source(), { signal: AbortSignal.abort() })).error, 'cancelled', false);
      assert.equal(upstream.requests.length, before);
    });

    test('steps one after another all complete', async () => {
      for (const text of ['a', 'b', 'c']) {
        upstream.enqueue({ kind: 'stream', chunks: [{ text }] });
        assert.deepEqual(deltas(await collectParts(source())), [text]);
      }
    });
  });
}

describe('lean step source: aborts', () => {
  test('an abort stops the parts at once, also those already read in the same bytes', async () => {
    const upstream = await startOpenAIUpstream();
    try {
      const frame = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
      // Three frames in one write: one read of the socket queues all three parts.
      upstream.enqueue({ kind: 'stream', chunks: [{ raw: frame('a') + frame('b') + frame('c') }], holdAfter: 1, omitStart: true });
      const controller = new AbortController();
      const source = createLeanStepSource(createChatCompletionsWire('openai-compatible', config(upstream.url)));
      const { parts, error } = await collectUntilError(source, { signal: controller.signal }, (part) => {
        if (part.type === 'text-delta') controller.abort();
      });
      assert.deepEqual(deltas(parts), ['a']);
      assertFailure(error, 'cancelled', false);
    } finally {
      await upstream.close();
    }
  });
});

describe('lean step source: connections and fallback', () => {
  test('a refused connection is a retryable network error naming the cause', async () => {
    const port = await freePort();
    const { error } = await collectUntilError(createLeanStepSource(createChatCompletionsWire('openai-compatible', config(`http://127.0.0.1:${port}/v1`))));
    assert.match(assertFailure(error, 'network', true).message, /ECONNREFUSED/);
  });

  test('a request the wire does not build itself runs on the fallback source', async () => {
    const wire: LeanWire = {
      buildRequest: () => {
        throw new LeanUnsupported('everything');
      },
      httpError: () => new Error('unused'),
      createReader: () => {
        throw new Error('unused');
      },
    };
    const fallback: StepSource = {
      async *stream() {
        yield { type: 'finish', finishReason: 'stop', usage: undefined };
      },
    };
    assert.deepEqual(await collectParts(createLeanStepSource(wire, { fallback })), [{ type: 'finish', finishReason: 'stop', usage: undefined }]);
    const { error } = await collectUntilError(createLeanStepSource(wire));
    assertFailure(error, 'unknown', false);
  });
});

