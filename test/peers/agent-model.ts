/**
 * A fake model for coding agents, on the wire each agent calls: the Anthropic Messages wire
 * (anthropic-upstream.ts) for Claude Code and its ACP adapter, the OpenAI Responses wire
 * (responses-upstream.ts) for Codex, chat completions (openai-upstream.ts) for OpenCode. Each request is answered from what it says, because an agent
 * sends requests of its own (titles, next-prompt suggestions) beside the turn, in no order a
 * script could follow. The user's words steer it:
 *
 * - `READ <absolute path>`  → the agent's read tool on that file (Codex has none: `cat <path>`);
 * - `RUN <command>`          → the agent's shell tool with that command;
 * - `SLOW`                   → 40 text chunks, 250 ms apart (time to stop it mid-turn);
 * - a tool's result          → `TOOL RESULT RECEIVED: <its text>`;
 * - anything else            → `Hello from the fake model.` and every `REMEMBER-<word>` the whole
 *   history holds (so a resumed session shows it has the earlier turns), and `model=<model>`.
 *
 * Requests without tools (titles) get a small JSON title; Claude Code's suggestion requests get "ok".
 */
import { startAnthropicUpstream } from './anthropic-upstream.ts';
import { startOpenAIUpstream } from './openai-upstream.ts';
import { startResponsesUpstream } from './responses-upstream.ts';
import type { FakeUpstream, ScriptChunk, UpstreamResponse } from './upstream-script.ts';

export type AgentToolNames = { read: (path: string) => { name: string; arguments: string }; run: (command: string) => { name: string; arguments: string } };

export const claudeTools: AgentToolNames = {
  read: (path) => ({ name: 'Read', arguments: JSON.stringify({ file_path: path }) }),
  run: (command) => ({ name: 'Bash', arguments: JSON.stringify({ command, description: 'run a command' }) }),
};

/** Codex 0.171's shell tool; it has no read tool of its own for a model it does not know. */
export const codexTools: AgentToolNames = {
  read: (path) => ({ name: 'exec_command', arguments: JSON.stringify({ cmd: `cat ${path}` }) }),
  run: (command) => ({ name: 'exec_command', arguments: JSON.stringify({ cmd: command }) }),
};

export const opencodeTools: AgentToolNames = {
  read: (path) => ({ name: 'read', arguments: JSON.stringify({ filePath: path }) }),
  run: (command) => ({ name: 'bash', arguments: JSON.stringify({ command, description: 'run a command' }) }),
};

/** What a request says, whatever the wire. */
type Said = { hasTools: boolean; toolResult: string | undefined; text: string; history: string; model: string };

export async function startAgentModel(tools: AgentToolNames = claudeTools): Promise<FakeUpstream> {
  return startAnthropicUpstream({ respond: (body, requestNumber) => answer(fromMessages(body), requestNumber, tools) });
}

export async function startCodexModel(): Promise<FakeUpstream> {
  return startResponsesUpstream({ respond: (body, requestNumber) => answer(fromResponses(body), requestNumber, codexTools) });
}

export async function startOpenCodeModel(): Promise<FakeUpstream> {
  return startOpenAIUpstream({ respond: (body, requestNumber) => answer(fromChat(body), requestNumber, opencodeTools) });
}

function fromChat(body: any): Said {
  const messages: any[] = body.messages ?? [];
  const last = messages.at(-1);
  return {
    hasTools: Array.isArray(body.tools) && body.tools.length > 0,
    toolResult: last?.role === 'tool' ? resultText(last.content) : undefined,
    text: last?.role === 'user' ? resultText(last.content) : '',
    history: JSON.stringify(messages),
    model: body.model,
  };
}

function fromMessages(body: any): Said {
  const messages: any[] = body.messages ?? [];
  // Claude Code 2.1.332 driven through the Agent SDK puts `system` messages (its environment,
  // notices) after the user's: what the user said is the last message of another role.
  const last = messages.filter((message) => message.role !== 'system').at(-1);
  const blocks: any[] = typeof last?.content === 'string' ? [{ type: 'text', text: last.content }] : (last?.content ?? []);
  const result = blocks.find((block) => block.type === 'tool_result');
  return {
    hasTools: Array.isArray(body.tools) && body.tools.length > 0,
    toolResult: result ? resultText(result.content) : undefined,
    text: blocks.filter((block) => block.type === 'text').map((block) => block.text as string).join('\n'),
    history: JSON.stringify(messages),
    model: body.model,
  };
}

function fromResponses(body: any): Said {
  const input: any[] = body.input ?? [];
  const last = input.at(-1);
  return {
    hasTools: Array.isArray(body.tools) && body.tools.length > 0,
    toolResult: last?.type === 'function_call_output' ? resultText(last.output) : undefined,
    text: last?.type === 'message' ? resultText(last.content) : '',
    history: JSON.stringify(input),
    model: body.model,
  };
}

function answer(said: Said, requestNumber: number, tools: AgentToolNames): UpstreamResponse {
  const text = (chunks: ScriptChunk[], delayMs?: number): UpstreamResponse => ({ kind: 'stream', chunks, finishReason: 'stop', usage: { inputTokens: 10, outputTokens: 5 }, delayMs });
  if (!said.hasTools) return text([{ text: '{"title":"Agent test"}' }]);
  if (said.toolResult !== undefined) return text([{ text: `TOOL RESULT RECEIVED: ${said.toolResult}` }]);
  if (said.text.startsWith('[SUGGESTION MODE')) return text([{ text: 'ok' }]);
  const read = /\bREAD (\S+)/.exec(said.text);
  const run = /\bRUN (.+)$/m.exec(said.text);
  const call = read ? tools.read(read[1]!) : run ? tools.run(run[1]!.trim()) : undefined;
  if (call) return { kind: 'stream', chunks: [{ toolCall: { id: `toolu_fake_${requestNumber}`, ...call } }], finishReason: 'tool_calls', usage: { inputTokens: 10, outputTokens: 5 } };
  if (/\bSLOW\b/.test(said.text)) return text(Array.from({ length: 40 }, (_, index) => ({ text: `slow${index} ` })), 250);
  const remembered = [...new Set(said.history.match(/REMEMBER-\w+/g) ?? [])];
  return text([{ text: 'Hello from the fake model.' }, { text: ` remembered=[${remembered.join(',')}] model=${said.model}` }]);
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((block: any) => (typeof block?.text === 'string' ? block.text : '')).join('');
  return JSON.stringify(content);
}
