import { createAnthropicReader } from './anthropic-reader.ts';
import { createAnthropicRequestBuilder } from './anthropic-request.ts';
import type { LeanWire } from './lean-step-source.ts';
import type { WireConfig } from './wire-config.ts';
import { anthropicErrorMessage, httpAnswerError } from './wire-errors.ts';

/** The Anthropic Messages wire (`POST <baseURL>/messages`). Throws `LeanUnsupported` for options it does not implement. */
export function createAnthropicWire(config: WireConfig): LeanWire {
  return {
    buildRequest: createAnthropicRequestBuilder(config),
    httpError: (answer) => httpAnswerError(answer, anthropicErrorMessage),
    createReader: createAnthropicReader,
  };
}
