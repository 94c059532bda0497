/**
 * OpenAI chat-completions SSE frames, with the fixed parts of a token frame built once per stream:
 * a token frame is `head + text + tail`, one string concatenation.
 */
export type ChunkFramer = {
  role: string;
  token(text: string): string;
  finish: string;
  /** Empty unless the request asked for `stream_options.include_usage`. */
  usage(promptTokens: number, completionTokens: number): string;
  done: string;
};

export function chunkFramer(id: string, model: string, includeUsage: boolean): ChunkFramer {
  const created = Math.floor(Date.now() / 1000);
  const prefix = `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"system_fingerprint":"fp_bench","choices":[`;
  const usageNull = includeUsage ? ',"usage":null' : '';
  const delta = (body: string, finish: string) => `${prefix}{"index":0,"delta":${body},"logprobs":null,"finish_reason":${finish}}]${usageNull}}\n\n`;
  const head = `${prefix}{"index":0,"delta":{"content":"`;
  const tail = `"},"logprobs":null,"finish_reason":null}]${usageNull}}\n\n`;
  return {
    role: delta('{"role":"assistant","content":"","refusal":null}', 'null'),
    token: (text) => head + text + tail,
    finish: delta('{}', '"stop"'),
    usage: (promptTokens, completionTokens) =>
      includeUsage
        ? `${prefix}],"usage":{"prompt_tokens":${promptTokens},"completion_tokens":${completionTokens},"total_tokens":${promptTokens + completionTokens}}}\n\n`
        : '',
    done: 'data: [DONE]\n\n',
  };
}

/** A whole non-streamed completion, for clients that do not ask for `stream: true`. */
export function completionBody(id: string, model: string, text: string, completionTokens: number): string {
  return JSON.stringify({
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: completionTokens, total_tokens: 10 + completionTokens },
  });
}
