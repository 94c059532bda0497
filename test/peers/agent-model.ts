/**
 * A fake model for coding agents: the real Anthropic Messages wire (anthropic-upstream.ts), but
 * each request is answered from what it says, because an agent sends requests of its own (titles,
 * next-prompt suggestions) beside the turn, in no order a script could follow. The user's words
 * steer it:
 *
 * - `READ <absolute path>`  → the agent's read tool on that file;
 * - `RUN <command>`          → the agent's shell tool with that command;
 * - `SLOW`                   → 40 text chunks, 250 ms apart (time to stop it mid-turn);
 * - a tool's result          → `TOOL RESULT RECEIVED: <its text>`;
 * - anything else            → `Hello from the fake model.` and every `REMEMBER-<word>` the whole
 *   history holds (so a resumed session shows it has the earlier turns), and `model=<model>`.
 *
 * Requests without tools (titles) get a small JSON title; Claude Code's suggestion requests get "ok".
 */
import { startAnthropicUpstream } from './anthropic-upstream.ts';
import type { FakeUpstream, ScriptChunk, UpstreamResponse } from './upstream-script.ts';

export type AgentToolNames = { read: (path: string) => { name: string; arguments: string }; run: (command: string) => { name: string; arguments: string } };

export const claudeTools: AgentToolNames = {
  read: (path) => ({ name: 'Read', arguments: JSON.stringify({ file_path: path }) }),
  run: (command) => ({ name: 'Bash', arguments: JSON.stringify({ command, description: 'run a command' }) }),
};

export async function startAgentModel(tools: AgentToolNames = claudeTools): Promise<FakeUpstream> {
  return startAnthropicUpstream({ respond: (body, requestNumber) => answer(body, requestNumber, tools) });
}

function answer(body: any, requestNumber: number, tools: AgentToolNames): UpstreamResponse {
  const text = (chunks: ScriptChunk[], delayMs?: number): UpstreamResponse => ({ kind: 'stream', chunks, finishReason: 'stop', usage: { inputTokens: 10, outputTokens: 5 }, delayMs });
  if (!Array.isArray(body.tools) || body.tools.length === 0) return text([{ text: '{"title":"Agent test"}' }]);
  const messages: any[] = body.messages ?? [];
  const last = messages.at(-1);
  const blocks: any[] = typeof last?.content === 'string' ? [{ type: 'text', text: last.content }] : (last?.content ?? []);
  const result = blocks.find((block) => block.type === 'tool_result');
  if (result) return text([{ text: `TOOL RESULT RECEIVED: ${resultText(result.content)}` }]);
  const said = blocks.filter((block) => block.type === 'text').map((block) => block.text as string).join('\n');
  if (said.startsWith('[SUGGESTION MODE')) return text([{ text: 'ok' }]);
  const read = /\bREAD (\S+)/.exec(said);
  const run = /\bRUN (.+)$/m.exec(said);
  const call = read ? tools.read(read[1]!) : run ? tools.run(run[1]!.trim()) : undefined;
  if (call) return { kind: 'stream', chunks: [{ toolCall: { id: `toolu_fake_${requestNumber}`, ...call } }], finishReason: 'tool_calls', usage: { inputTokens: 10, outputTokens: 5 } };
  if (/\bSLOW\b/.test(said)) return text(Array.from({ length: 40 }, (_, index) => ({ text: `slow${index} ` })), 250);
  const remembered = [...new Set(JSON.stringify(messages).match(/REMEMBER-\w+/g) ?? [])];
  return text([{ text: 'Hello from the fake model.' }, { text: ` remembered=[${remembered.join(',')}] model=${body.model}` }]);
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((block: any) => (typeof block?.text === 'string' ? block.text : '')).join('');
  return JSON.stringify(content);
}
