import { createChatReader } from './chat-completions-reader.ts';
import { compatibleMetadataKey, createChatRequestBuilder, type ChatDialect } from './chat-completions-request.ts';
import type { LeanWire } from './lean-step-source.ts';
import type { WireConfig } from './wire-config.ts';
import { httpAnswerError, openAIErrorMessage } from './wire-errors.ts';

/** The chat-completions wire (`POST <baseURL>/chat/completions`) in one dialect. Throws `LeanUnsupported` for options it does not implement. */
export function createChatCompletionsWire(dialect: ChatDialect, config: WireConfig): LeanWire {
  const buildRequest = createChatRequestBuilder(dialect, config);
  const metadataKey = compatibleMetadataKey(config);
  return {
    buildRequest,
    httpError: (answer) => httpAnswerError(answer, openAIErrorMessage),
    createReader: (context) => createChatReader(dialect, context, metadataKey),
  };
}
