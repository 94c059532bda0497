/**
 * Real AI SDK provider models pointed at the fake upstreams, and helpers to drain a StepSource.
 *
 *   const upstream = await startOpenAIUpstream();
 *   const source = createAiSdkStepSource(peerTargets[0].model(upstream));
 *   upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Hi' }] });
 *   const parts = await collectParts(source, { messages: [{ role: 'user', text: 'Hello' }] });
 *
 * `peerTargets` lists each provider package with the peer that speaks its wire protocol, so a test
 * can run the same scenario through all of them. The API key every target sends is `testApiKey`.
 */
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import type { StepRequest, StepSource, StreamPart } from '../../src/providers/stream-part.ts';
import { startAnthropicUpstream } from './anthropic-upstream.ts';
import { startOpenAIUpstream } from './openai-upstream.ts';
import type { FakeUpstream } from './upstream-script.ts';

export const testApiKey = 'sk-test-0123456789abcdef';

export type PeerTarget = {
  name: 'openai-compatible' | 'openai' | 'anthropic';
  start: () => Promise<FakeUpstream>;
  model: (upstream: FakeUpstream) => LanguageModelV4;
  /** Whether the package surfaces the reasoning this peer streams (OpenAI's own chat API has none). */
  streamsReasoning: boolean;
};

export const peerTargets: PeerTarget[] = [
  {
    name: 'openai-compatible',
    start: startOpenAIUpstream,
    model: (upstream) => createOpenAICompatible({ name: 'local', baseURL: upstream.url, apiKey: testApiKey, includeUsage: true }).chatModel('m1'),
    streamsReasoning: true,
  },
  {
    name: 'openai',
    start: startOpenAIUpstream,
    model: (upstream) => createOpenAI({ baseURL: upstream.url, apiKey: testApiKey }).chat('gpt-4o-mini'),
    streamsReasoning: false,
  },
  {
    name: 'anthropic',
    start: startAnthropicUpstream,
    model: (upstream) => createAnthropic({ baseURL: upstream.url, apiKey: testApiKey }).languageModel('claude-sonnet-4-5'),
    streamsReasoning: true,
  },
];

export function stepRequest(overrides: Partial<StepRequest> = {}): StepRequest {
  return { system: '', messages: [{ role: 'user', text: 'Hello' }], tools: [], signal: new AbortController().signal, ...overrides };
}

/** Every part of a step that must succeed. */
export async function collectParts(source: StepSource, overrides: Partial<StepRequest> = {}): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of source.stream(stepRequest(overrides))) parts.push(part);
  return parts;
}

/** The parts yielded before the step failed, and what it failed with (undefined if it did not). */
export async function collectUntilError(
  source: StepSource,
  overrides: Partial<StepRequest> = {},
  onPart?: (part: StreamPart) => void,
): Promise<{ parts: StreamPart[]; error: unknown }> {
  const parts: StreamPart[] = [];
  try {
    for await (const part of source.stream(stepRequest(overrides))) {
      parts.push(part);
      onPart?.(part);
    }
  } catch (error) {
    return { parts, error };
  }
  return { parts, error: undefined };
}
