import type { LanguageModelV4, LanguageModelV4StreamPart, SharedV4ProviderOptions } from '@ai-sdk/provider';
import { cancelledError, classifyUpstreamError, idleTimeoutError } from '../classify-error.ts';
import type { ProviderOptions } from '../provider-config.ts';
import type { StepRequest, StepSource, StreamPart } from '../stream-part.ts';
import { UpstreamError } from '../upstream-error.ts';
import { createIdleWatch, defaultIdleTimeoutMs } from '../idle-watch.ts';
import { createStreamPartMapper } from './from-ai-sdk-stream.ts';
import { toAiSdkPrompt, toAiSdkTools } from './to-ai-sdk-prompt.ts';

export type AiSdkStepSourceOptions = {
  /**
   * Longest wait for the next stream part (including the wait for the response to start) before
   * the request is aborted and the step fails with a retryable `timeout`. Default 120000.
   * The clock only runs while we wait on the provider, not while the consumer handles a part.
   */
  idleTimeoutMs?: number;
  /** Sent with every request as the AI SDK's `providerOptions` (from the config file). */
  providerOptions?: ProviderOptions;
};

export { defaultIdleTimeoutMs };

/**
 * A StepSource over any AI SDK language model (`LanguageModelV4`), driven through `doStream`.
 * Every failure leaves as a classified `UpstreamError`: thrown by `doStream`, sent as an `error`
 * stream part, or the response stream erroring (socket closed mid-answer). Aborting the request's
 * signal aborts the HTTP request and fails the step with `cancelled`; leaving the iteration early
 * aborts it too.
 */
export function createAiSdkStepSource(model: LanguageModelV4, options: AiSdkStepSourceOptions = {}): StepSource {
  const idleTimeoutMs = options.idleTimeoutMs ?? defaultIdleTimeoutMs;
  const providerOptions = options.providerOptions as SharedV4ProviderOptions | undefined;
  return { stream: (request) => streamStep(model, request, idleTimeoutMs, providerOptions) };
}

async function* streamStep(model: LanguageModelV4, request: StepRequest, idleTimeoutMs: number, providerOptions: SharedV4ProviderOptions | undefined): AsyncGenerator<StreamPart> {
  if (request.signal.aborted) throw cancelledError(request.signal.reason);
  const idle = createIdleWatch(idleTimeoutMs);
  const signal = AbortSignal.any([request.signal, idle.signal]);
  const toError = (error: unknown): UpstreamError => {
    if (request.signal.aborted) return cancelledError(error);
    if (idle.fired) return idleTimeoutError(idleTimeoutMs, error);
    return classifyUpstreamError(error);
  };
  // Settles only by rejecting, when either signal aborts: a provider that ignores the signal still
  // cannot keep us waiting for the response to start.
  const aborted = new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => {});

  let reader: ReadableStreamDefaultReader<LanguageModelV4StreamPart> | undefined;
  // Once streaming, an abort cancels the reader, which ends a pending read at once: no per-chunk
  // Promise.race is needed on the hot path.
  const cancelReader = () => reader?.cancel(signal.reason).catch(() => {});
  signal.addEventListener('abort', cancelReader, { once: true });
  let completed = false;
  try {
    idle.arm();
    let result;
    try {
      result = await Promise.race([
        model.doStream({
          prompt: toAiSdkPrompt(request.system, request.messages),
          tools: toAiSdkTools(request.tools),
          abortSignal: signal,
          ...(providerOptions ? { providerOptions } : {}),
        }),
        aborted,
      ]);
    } catch (error) {
      throw toError(error);
    } finally {
      idle.disarm();
    }
    reader = result.stream.getReader();
    if (signal.aborted) throw toError(signal.reason);
    const mapPart = createStreamPartMapper();
    let finished = false;
    while (true) {
      idle.arm();
      let next: ReadableStreamReadResult<LanguageModelV4StreamPart>;
      try {
        next = await reader.read();
      } catch (error) {
        throw toError(error);
      } finally {
        idle.disarm();
      }
      if (signal.aborted) throw toError(signal.reason);
      if (next.done) break;
      if (next.value.type === 'error') throw toError(next.value.error);
      // `interrupted` is what @ai-sdk/openai and @ai-sdk/anthropic report when the stream closed
      // without the provider's own finish signal: the answer was cut, not finished. Retry it rather
      // than store a truncated reply as complete.
      if (next.value.type === 'finish' && next.value.finishReason.unified === 'interrupted') break;
      for (const part of mapPart(next.value)) {
        if (part.type === 'finish') finished = true;
        yield part;
      }
    }
    if (!finished) {
      throw new UpstreamError({ code: 'network', message: 'The provider stream ended before the answer finished', retryable: true });
    }
    completed = true;
  } finally {
    idle.close();
    signal.removeEventListener('abort', cancelReader);
    if (!completed) {
      // Failed, cancelled or abandoned by the consumer: make sure the HTTP request is torn down.
      idle.abort();
      reader?.cancel().catch(() => {});
    }
  }
}
