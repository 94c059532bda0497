import type { IncomingMessage } from 'node:http';
import { cancelledError, classifyUpstreamError, idleTimeoutError } from '../classify-error.ts';
import { createIdleWatch, defaultIdleTimeoutMs } from '../idle-watch.ts';
import type { StepRequest, StepSource, StreamPart } from '../stream-part.ts';
import type { UpstreamError } from '../upstream-error.ts';
import { createHttpPost, readText, type HttpPost } from './http-post.ts';
import { PartPump } from './part-pump.ts';
import { interruptedError } from './wire-errors.ts';

/**
 * One wire protocol, as the lean step source drives it: how a step becomes an HTTP request, how a
 * failed answer becomes an error, and a reader that turns the answer's server-sent events into
 * stream parts. Errors a wire throws are whatever the AI SDK provider package would have failed
 * with for the same bytes (its `APICallError`, the stream error payload, …), so that
 * `classifyUpstreamError` gives both paths the same classification.
 */
export interface LeanWire {
  /** Throws `LeanUnsupported` for a request this wire does not build itself (the step goes to the fallback). */
  buildRequest(request: StepRequest): WireRequest;
  /** A non-2xx answer, as the error value to classify. */
  httpError(answer: HttpAnswer): unknown;
  /** A reader for one response; it pushes the parts it makes onto `context.out`. */
  createReader(context: ReaderContext): WireReader;
}

export type WireRequest = { url: URL; headers: Record<string, string>; body: Record<string, unknown> };
export type HttpAnswer = { url: string; status: number; statusText: string; headers: Record<string, string>; text: string; requestBody: unknown };
export type ReaderContext = { url: string; responseHeaders: Record<string, string>; requestBody: unknown; out: StreamPart[] };

export interface WireReader {
  /** One SSE frame. Throws the error value to classify on an error event or unreadable data. */
  frame(event: string | undefined, data: string): void;
  /** The response ended: flushes what is pending (a last text end, tool calls, finish); throws if the answer was cut. */
  end(): void;
}

/** Thrown by `buildRequest` for what the lean wire does not implement; the step runs on the fallback source. */
export class LeanUnsupported extends Error {
  constructor(what: string) {
    super(`not implemented by the lean reader: ${what}`);
    this.name = 'LeanUnsupported';
  }
}

export type LeanStepSourceOptions = {
  /** Longest wait for the response head or the next bytes, as in `createAiSdkStepSource`. Default 120000. */
  idleTimeoutMs?: number;
  post?: HttpPost;
  /** Runs the steps whose request the wire does not build itself (`LeanUnsupported`). */
  fallback?: StepSource;
};

/**
 * A StepSource that speaks one wire protocol itself: `node:http` with a keep-alive agent, the
 * SSE frames cut from the bytes as they arrive, one `JSON.parse` per frame, and only the fields it
 * uses read. Same contract as the AI SDK step source: every failure leaves as a classified
 * `UpstreamError`; aborting the signal, leaving the iteration early or the idle timeout tear the
 * request down; an answer cut before the provider's finish signal is a retryable `network` error.
 */
export function createLeanStepSource(wire: LeanWire, options: LeanStepSourceOptions = {}): StepSource {
  const idleTimeoutMs = options.idleTimeoutMs ?? defaultIdleTimeoutMs;
  const post = options.post ?? createHttpPost();
  return {
    stream(request) {
      let built: WireRequest;
      try {
        built = wire.buildRequest(request);
      } catch (error) {
        if (error instanceof LeanUnsupported && options.fallback) return options.fallback.stream(request);
        return failing(request, error);
      }
      return streamStep(wire, post, built, request, idleTimeoutMs);
    },
  };
}

async function* failing(request: StepRequest, error: unknown): AsyncGenerator<StreamPart> {
  if (request.signal.aborted) throw cancelledError(request.signal.reason);
  throw classifyUpstreamError(error);
}

async function* streamStep(wire: LeanWire, post: HttpPost, built: WireRequest, request: StepRequest, idleTimeoutMs: number): AsyncGenerator<StreamPart> {
  if (request.signal.aborted) throw cancelledError(request.signal.reason);
  const idle = createIdleWatch(idleTimeoutMs);
  const signal = AbortSignal.any([request.signal, idle.signal]);
  const toError = (error: unknown): UpstreamError => {
    if (request.signal.aborted) return cancelledError(error);
    if (idle.fired) return idleTimeoutError(idleTimeoutMs, error);
    return classifyUpstreamError(error);
  };
  const url = built.url.href;
  let body: IncomingMessage | undefined;
  let completed = false;
  try {
    idle.arm();
    let response;
    try {
      response = await post({ url: built.url, headers: built.headers, body: JSON.stringify(built.body), signal });
    } catch (error) {
      throw toError(error);
    } finally {
      idle.disarm();
    }
    body = response.body;
    if (response.status < 200 || response.status > 299) {
      idle.arm();
      let text: string;
      try {
        text = await readText(body);
      } catch (error) {
        throw toError(error);
      } finally {
        idle.disarm();
      }
      throw toError(wire.httpError({ url, status: response.status, statusText: response.statusText, headers: response.headers, text, requestBody: built.body }));
    }

    const out: StreamPart[] = [];
    const reader = wire.createReader({ url, responseHeaders: response.headers, requestBody: built.body, out });
    const pump = new PartPump(body, reader, out);
    // A flag, not `signal.aborted` per part: reading a composite signal's state is not free.
    let aborted = signal.aborted;
    signal.addEventListener('abort', () => ((aborted = true), pump.interrupt()), { once: true });
    let finished = false;
    while (true) {
      // Parts made before a failure in the same bytes go out first, as they would through the
      // AI SDK's stream; then the failure. An abort stops the parts at once, even mid-batch.
      for (let part = pump.take(); part !== undefined; part = pump.take()) {
        if (aborted) break;
        if (part.type === 'finish') finished = true;
        yield part;
      }
      if (aborted) throw toError(signal.reason);
      if (pump.failure) throw toError(pump.failure.error);
      if (pump.ended) break;
      idle.arm();
      await pump.wait();
      idle.disarm();
    }
    if (!finished) throw interruptedError();
    completed = true;
  } finally {
    idle.close();
    // Failed, cancelled or abandoned by the consumer: the socket is not reused.
    if (!completed) body?.destroy();
  }
}
