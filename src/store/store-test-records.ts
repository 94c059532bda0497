import type { Approval } from '../domain/approval-schemas.ts';
import type { Conversation, Message, Project, Run } from '../domain/schemas.ts';

/** Record builders for store tests: complete, valid records with every field set explicitly. */

export const t0 = 1_700_000_000_000;

export function project(name = 'alpha', overrides: Partial<Project> = {}): Project {
  return { name, path: `/srv/projects/${name}`, createdAt: t0, ...overrides };
}

export function conversation(id: string, overrides: Partial<Conversation> = {}): Conversation {
  return {
    id,
    projectName: 'alpha',
    title: `Conversation ${id}`,
    model: 'openai/gpt-4o-mini',
    systemPrompt: 'Be brief.',
    busyPolicy: 'enqueue',
    usage: { inputTokens: 0, outputTokens: 0 },
    cost: null,
    createdAt: t0,
    updatedAt: t0,
    ...overrides,
  };
}

export function message(id: string, conversationId: string, overrides: Partial<Message> = {}): Message {
  return {
    id,
    conversationId,
    role: 'user',
    parts: [{ id: `${id}-part`, kind: 'text', text: `text of ${id}` }],
    status: 'completed',
    runId: null,
    model: null,
    usage: null,
    cost: null,
    createdAt: t0,
    updatedAt: t0,
    ...overrides,
  };
}

/** An assistant message using every part kind and every optional field. */
export function richMessage(id: string, conversationId: string): Message {
  return message(id, conversationId, {
    role: 'assistant',
    status: 'streaming',
    runId: 'run_rich',
    model: 'anthropic/claude-sonnet-4',
    usage: { inputTokens: 120, outputTokens: 48, reasoningTokens: 12, cachedInputTokens: 64, estimated: true },
    cost: { amount: 0.00123, currency: 'USD', estimated: false },
    parts: [
      { id: 'p1', kind: 'reasoning', text: 'Thinking about it…' },
      { id: 'p2', kind: 'text', text: 'Héllo, wörld 👋\nline two' },
      {
        id: 'p3',
        kind: 'tool-call',
        toolCallId: 'call_1',
        toolName: 'read_file',
        step: 1,
        state: { status: 'completed', input: { path: 'src/a.ts', options: { lines: [1, 2, 3], follow: false, note: null } }, output: ['a', 1, true, null], startedAt: 1, endedAt: 2 },
        providerExecuted: true,
      },
      { id: 'p4', kind: 'tool-call', toolCallId: 'call_2', toolName: 'ls', step: 1, state: { status: 'pending', input: 'plain string input' } },
      { id: 'p5', kind: 'tool-call', toolCallId: 'call_3', toolName: 'grep', step: 1, state: { status: 'error', input: {}, error: 'Not run: the run ended first.', endedAt: 3 } },
      { id: 'p6', kind: 'context', path: 'README.md', content: '# Title', range: { start: 1, end: 10 } },
      { id: 'p7', kind: 'context', path: 'LICENSE', content: 'MIT' },
      { id: 'p8', kind: 'error', code: 'rate_limited', message: 'Slow down' },
    ],
    createdAt: t0 + 5,
    updatedAt: t0 + 7,
  });
}

export function run(id: string, conversationId: string, overrides: Partial<Run> = {}): Run {
  return {
    id,
    conversationId,
    status: 'queued',
    trigger: 'send',
    model: 'openai/gpt-4o-mini',
    userMessageId: null,
    assistantMessageId: null,
    input: null,
    clientRequestId: null,
    finishReason: null,
    usage: { inputTokens: 0, outputTokens: 0 },
    cost: null,
    attempts: 0,
    steps: 0,
    error: null,
    agentSessionId: null,
    createdAt: t0,
    startedAt: null,
    endedAt: null,
    ...overrides,
  };
}

/** A run with every nullable field set. */
export function richRun(id: string, conversationId: string): Run {
  return run(id, conversationId, {
    status: 'failed',
    trigger: 'continue',
    userMessageId: 'msg_user',
    assistantMessageId: 'msg_assistant',
    input: message('msg_input', conversationId, { runId: id }),
    clientRequestId: 'req-rich',
    finishReason: 'error',
    usage: { inputTokens: 10, outputTokens: 20, reasoningTokens: 3 },
    cost: { amount: 0.5, currency: 'USD', estimated: true },
    attempts: 3,
    steps: 2,
    error: { code: 'upstream_error', message: 'Provider returned 500' },
    agentSessionId: 'agent-session-9',
    createdAt: t0 + 1,
    startedAt: t0 + 2,
    endedAt: t0 + 3,
  });
}

/** A pending approval (pass `status` and the resolution fields to settle it). */
export function approval(id: string, conversationId: string, overrides: Partial<Approval> = {}): Approval {
  return {
    id,
    conversationId,
    runId: 'r1',
    toolCallId: `call-${id}`,
    toolName: 'write_file',
    input: { path: 'notes.txt', content: 'héllo\nworld', options: { append: false, mode: null } },
    source: 'tool',
    options: ['allow-once', 'allow-always', 'deny', 'deny-always'],
    status: 'pending',
    decision: null,
    resolvedBy: null,
    note: null,
    requestedAt: t0,
    decidedAt: null,
    expiresAt: t0 + 86_400_000,
    ...overrides,
  };
}
