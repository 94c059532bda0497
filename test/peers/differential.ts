/**
 * Runs the same step through both clients of one configured provider, the lean reader and the AI
 * SDK package (the reference), against the same fake upstream, and returns what each produced:
 * the stream parts, the classified error, and the request the upstream received. The two are
 * built by the real model registry from one provider config that differs only in `client`.
 *
 *   const both = await runBoth(upstream, providers, 'local/m1', { kind: 'stream', chunks: [{ text: 'Hi' }] });
 *   assert.deepEqual(both.lean, both.aiSdk);
 *
 * The peers number what they issue by request (`sig-peer-3-0`, `msg_peer_3_1`); those numbers are
 * replaced by `N` so that two requests can be compared.
 */
import { createModelRegistry } from '../../src/providers/model-registry.ts';
import { loadProviderConfig } from '../../src/providers/provider-config.ts';
import type { AssistantPromptContent, StepRequest, StreamPart, ToolSpec } from '../../src/providers/stream-part.ts';
import { startAnthropicUpstream } from './anthropic-upstream.ts';
import { startOpenAIUpstream } from './openai-upstream.ts';
import { testApiKey } from './peer-models.ts';
import { startResponsesUpstream } from './responses-upstream.ts';
import { UpstreamError } from '../../src/providers/upstream-error.ts';
import { stepRequest } from './peer-models.ts';
import type { FakeUpstream, UpstreamResponse } from './upstream-script.ts';

export type Outcome = {
  parts: StreamPart[];
  error: { code: string; retryable: boolean; retryAfterMs: number | undefined; status: number | undefined } | string | undefined;
  request: { path: string; body: unknown; headers: Record<string, string> } | undefined;
};

/** Headers both clients must send alike; the user agent and transport headers differ by design. */
const comparedHeaders = ['authorization', 'x-api-key', 'anthropic-version', 'anthropic-beta', 'content-type', 'x-team'];

/** Registries for `providers` (a config file's `providers`), one per client. */
export function bothClients(providers: Record<string, Record<string, unknown>>) {
  const registry = (client: 'lean' | 'ai-sdk') =>
    createModelRegistry(
      loadProviderConfig({
        env: {},
        configPath: '/virtual/confab.json',
        readFile: () => JSON.stringify({ providers: Object.fromEntries(Object.entries(providers).map(([name, provider]) => [name, { ...provider, client }])) }),
      }),
    );
  return { lean: registry('lean'), aiSdk: registry('ai-sdk') };
}

export type Clients = ReturnType<typeof bothClients>;

/** One step per client: `response` is enqueued once for each, the lean client first. */
export async function runBoth(upstream: FakeUpstream, clients: Clients, modelId: string, response: UpstreamResponse | undefined, request: Partial<StepRequest> = {}) {
  const raw = { lean: [] as StreamPart[], aiSdk: [] as StreamPart[] };
  const run = async (side: 'lean' | 'aiSdk'): Promise<Outcome> => {
    const resolved = clients[side].resolve(modelId);
    if (resolved.client !== (side === 'lean' ? 'lean' : 'ai-sdk')) throw new Error(`${modelId} resolved to the ${resolved.client} client on the ${side} side`);
    if (response) upstream.enqueue(response);
    const before = upstream.requests.length;
    const parts = raw[side];
    let error: Outcome['error'];
    try {
      for await (const part of resolved.source.stream(stepRequest(request))) parts.push(part);
    } catch (caught) {
      error = UpstreamError.is(caught) ? { code: caught.code, retryable: caught.retryable, retryAfterMs: caught.retryAfterMs, status: caught.status } : String(caught);
    }
    const received = upstream.requests.length > before ? upstream.requests.at(-1)! : undefined;
    const headers = Object.fromEntries(comparedHeaders.flatMap((name) => (received?.headers[name] !== undefined ? [[name, received.headers[name]]] : [])));
    return normalize({ parts, error, request: received && { path: received.path, body: received.body, headers } });
  };
  const lean = await run('lean');
  const aiSdk = await run('aiSdk');
  /** `raw`: the parts as yielded (with the ids the peer issued), to send back in a next request. */
  return { lean, aiSdk, raw };
}

function normalize(outcome: Outcome): Outcome {
  return JSON.parse(JSON.stringify(outcome).replace(/(peer[-_])\d+/g, '$1N'));
}

/** What a step yielded, as the next request's assistant content (the way the engine stores and sends parts back). */
export function asAssistantContent(parts: StreamPart[]): AssistantPromptContent[] {
  const content: AssistantPromptContent[] = [];
  const text = new Map<string, string>();
  for (const part of parts) {
    if (part.type === 'text-delta' || part.type === 'reasoning-delta') text.set(part.id, (text.get(part.id) ?? '') + part.delta);
    if (part.type === 'text-end' || part.type === 'reasoning-end') {
      content.push({ type: part.type === 'text-end' ? 'text' : 'reasoning', text: text.get(part.id) ?? '', ...(part.providerMetadata ? { providerOptions: part.providerMetadata } : {}) });
    }
    if (part.type === 'tool-call') content.push({ type: 'tool-call', toolCallId: part.toolCallId, toolName: part.toolName, input: part.input, ...(part.providerMetadata ? { providerOptions: part.providerMetadata } : {}) });
  }
  return content;
}

export const readTool: ToolSpec = { name: 'read', description: 'Read a file', inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } };

export const wires = [
  { name: 'openai-compatible', start: startOpenAIUpstream, type: { type: 'openai-compatible' }, model: 'm1' },
  { name: 'openai chat', start: startOpenAIUpstream, type: { type: 'openai' }, model: 'gpt-4o-mini' },
  { name: 'openai responses', start: startResponsesUpstream, type: { type: 'openai', api: 'responses' }, model: 'o4-mini' },
  { name: 'anthropic', start: startAnthropicUpstream, type: { type: 'anthropic' }, model: 'claude-sonnet-4-5' },
] as const;

/** A provider `p` of the wire's type on `upstream`, with a key and a custom header. */
export function providerOn(upstream: FakeUpstream, type: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { p: { ...type, baseURL: upstream.url, apiKey: testApiKey, headers: { 'x-team': 'core' }, ...extra } };
}
