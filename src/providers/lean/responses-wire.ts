import type { LeanWire } from './lean-step-source.ts';
import { createResponsesReader } from './responses-reader.ts';
import { createResponsesRequestBuilder } from './responses-request.ts';
import type { WireConfig } from './wire-config.ts';
import { httpAnswerError, openAIErrorMessage } from './wire-errors.ts';

/** The OpenAI Responses wire (`POST <baseURL>/responses`). Throws `LeanUnsupported` for options it does not implement. */
export function createResponsesWire(config: WireConfig): LeanWire {
  const store = config.providerOptions?.openai?.store === true;
  return {
    buildRequest: createResponsesRequestBuilder(config),
    httpError: (answer) => httpAnswerError(answer, openAIErrorMessage),
    createReader: (context) => createResponsesReader(context, store),
  };
}
