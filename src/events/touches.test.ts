/**
 * Every event type declares the record it touches, and the three consumers of that declaration
 * agree with it: the client's copy-on-write (exactly the declared record gets a new identity, and
 * the reducer never writes to anything it did not copy), the engine's dirty tracking (exactly the
 * declared record is marked, and every record whose content changed is among the marked).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import type { Approval } from '../domain/approval-schemas.ts';
import type { ConversationState, Message, Part, Run, ToolCallPart, ToolState } from '../domain/schemas.ts';
import { reconcile } from '../client/watch-reducer.ts';
import { MemoryEventLog } from '../engine/event-log/memory-event-log.ts';
import { LiveConversation } from '../engine/live-conversation.ts';
import { InstantClock } from '../util/clock.ts';
import { applyEvent } from './apply-event.ts';
import { eventDefinitions, parseEvent, type ConfabEvent, type EventData, type EventType } from './definitions.ts';
import { touchedBy, type TouchedRecord } from './touches.ts';

const at = 5_000;
const text = (id: string, value: string): Part => ({ id, kind: 'text', text: value });

function message(id: string, role: Message['role'], parts: Part[]): Message {
  return { id, conversationId: 'conv_1', role, parts, status: role === 'user' ? 'completed' : 'streaming', runId: null, model: null, usage: null, cost: null, createdAt: 1, updatedAt: 1 };
}

function run(id: string, status: Run['status']): Run {
  return {
    id, conversationId: 'conv_1', status, trigger: 'send', model: 'test/model', userMessageId: null, assistantMessageId: null, input: null, clientRequestId: null,
    finishReason: null, usage: { inputTokens: 0, outputTokens: 0 }, cost: null, attempts: 0, steps: 0, error: null, agentSessionId: null, createdAt: 1, startedAt: null, endedAt: null,
  };
}

function approval(id: string, status: Approval['status']): Approval {
  return {
    id, conversationId: 'conv_1', runId: 'run_1', toolCallId: 'call_1', toolName: 'read_file', input: { path: 'a' }, source: 'tool', options: ['allow-once', 'deny'],
    status, decision: status === 'allowed' ? 'allow-once' : null, resolvedBy: status === 'pending' ? null : 'user', note: null, requestedAt: 1, decidedAt: status === 'pending' ? null : 2, expiresAt: 100,
  };
}

const toolCall = (state: ToolState): ToolCallPart => ({ id: 'p_call', kind: 'tool-call', toolCallId: 'call_1', toolName: 'read_file', step: 1, state });

function baseState(): ConversationState {
  return {
    conversation: { id: 'conv_1', projectName: 'demo', title: 'T', model: 'test/model', systemPrompt: '', busyPolicy: 'enqueue', usage: { inputTokens: 0, outputTokens: 0 }, cost: null, createdAt: 1, updatedAt: 1 },
    messages: [
      message('msg_old', 'assistant', [text('p_old', 'earlier')]),
      message('msg_user', 'user', [text('p_user', 'Hi')]),
      message('msg_live', 'assistant', [{ id: 'p_think', kind: 'reasoning', text: 'hm' }, text('p_text', 'Hel'), toolCall({ status: 'pending', input: { path: 'a' } })]),
    ],
    runs: [run('run_0', 'completed'), run('run_1', 'running'), run('run_2', 'queued')],
    retry: null,
    approvals: [approval('appr_0', 'pending')],
  };
}

/** One event of every type, each changing something in `baseState()`. */
const samples: { [T in EventType]: EventData<T> } = {
  snapshot: { state: { ...baseState(), messages: [] } },
  'conversation-updated': { conversation: { ...baseState().conversation, title: 'Renamed' } },
  'conversation-deleted': { conversationId: 'conv_1' },
  'message-created': { message: message('msg_new', 'user', [text('p_new', 'next')]) },
  'message-updated': { messageId: 'msg_live', status: 'streaming' },
  'message-completed': { messageId: 'msg_live', status: 'completed', usage: { inputTokens: 3, outputTokens: 4 }, cost: null },
  'run-queued': { run: run('run_3', 'queued') },
  'run-waiting': { projectName: 'demo', reason: 'offline', message: 'Waiting for a worker for project demo.', timeoutAt: 1_000 },
  'run-started': { run: { ...run('run_2', 'running'), startedAt: 9 } },
  'run-retrying': { attempt: 1, maxAttempts: 3, delayMs: 100, error: { code: 'rate_limit', message: 'slow down' } },
  'run-completed': { run: { ...run('run_1', 'completed'), endedAt: 9 } },
  'run-stopped': { run: { ...run('run_1', 'stopped'), endedAt: 9 } },
  'run-failed': { run: { ...run('run_1', 'failed'), endedAt: 9 } },
  'run-interrupted': { run: { ...run('run_1', 'interrupted'), endedAt: 9 } },
  'run-requires-action': { run: { ...run('run_1', 'requires-action'), steps: 1 } },
  'run-resumed': { run: { ...run('run_2', 'running'), startedAt: 9 } },
  'run-steered': { run: { ...run('run_2', 'completed'), trigger: 'steer', finishReason: 'steered', endedAt: 9 }, intoRunId: 'run_1' },
  'run-updated': { run: { ...run('run_1', 'running'), assistantMessageId: 'msg_new' } },
  'approval-requested': { approval: approval('appr_1', 'pending') },
  'approval-resolved': { approval: approval('appr_0', 'allowed') },
  'part-start': { messageId: 'msg_live', partId: 'p_next', kind: 'text' },
  'part-delta': { messageId: 'msg_live', partId: 'p_text', delta: 'lo' },
  'part-end': { messageId: 'msg_live', partId: 'p_think', providerMetadata: { anthropic: { signature: 'sig' } } },
  'part-discarded': { messageId: 'msg_live', partId: 'p_text', reason: 'retrying' },
  'tool-call': { messageId: 'msg_live', part: toolCall({ status: 'completed', input: { path: 'a' }, output: 'A', startedAt: 2, endedAt: 3 }) },
  'part-added': { messageId: 'msg_live', part: { id: 'p_error', kind: 'error', code: 'internal', message: 'broke' } },
};

function sampleEvent(type: EventType): ConfabEvent {
  const parsed = parseEvent({ seq: 1, cursor: 'E.1', conversationId: 'conv_1', runId: 'run_1', type, at, data: samples[type] });
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  return parsed.event;
}

/** What the declaration names, as `kind:id` keys (a message's declared part too, when the message keeps it). */
function declared(touched: TouchedRecord, after: ConversationState): string[] {
  switch (touched.record) {
    case 'conversation':
      return ['conversation'];
    case 'run':
      return [`run:${touched.id}`];
    case 'approval':
      return after.approvals?.some((candidate) => candidate.id === touched.id) ? [`approval:${touched.id}`] : [];
    case 'message': {
      const kept = after.messages.find((candidate) => candidate.id === touched.id)?.parts.some((part) => part.id === touched.partId);
      return [`message:${touched.id}`, ...(kept ? [`part:${touched.partId}`] : [])];
    }
    default:
      return [];
  }
}

/** Records present after the event whose object is not the one before it (parts only within kept messages). */
function newIdentities(before: ConversationState, after: ConversationState): string[] {
  const changed: string[] = [];
  if (after.conversation !== before.conversation) changed.push('conversation');
  for (const next of after.messages) {
    const previous = before.messages.find((candidate) => candidate.id === next.id);
    if (next !== previous) changed.push(`message:${next.id}`);
    if (!previous) continue;
    for (const part of next.parts) if (!previous.parts.includes(part)) changed.push(`part:${part.id}`);
  }
  for (const next of after.runs) if (!before.runs.includes(next)) changed.push(`run:${next.id}`);
  for (const next of after.approvals ?? []) if (!before.approvals?.includes(next)) changed.push(`approval:${next.id}`);
  return changed;
}

/** Records whose content differs (or that are new), as `kind:id` keys. */
function changedContent(before: ConversationState, after: ConversationState): string[] {
  const changed: string[] = [];
  if (!isDeepStrictEqual(before.conversation, after.conversation)) changed.push('conversation');
  for (const next of after.messages) if (!isDeepStrictEqual(before.messages.find((candidate) => candidate.id === next.id), next)) changed.push(`message:${next.id}`);
  for (const next of after.runs) if (!isDeepStrictEqual(before.runs.find((candidate) => candidate.id === next.id), next)) changed.push(`run:${next.id}`);
  if (!isDeepStrictEqual(before.approvals, after.approvals)) changed.push('approvals');
  return changed;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}


describe('what an event touches, declared once', () => {
  test('every event type declares a record kind, and message and run events name their id from the data', () => {
    assert.deepEqual(Object.keys(samples).sort(), eventDefinitions.map((definition) => definition.type).sort());
    for (const definition of eventDefinitions) {
      const touched = touchedBy(sampleEvent(definition.type));
      assert.ok(['state', 'conversation', 'message', 'run', 'approval', 'none'].includes(touched.record), definition.type);
      if (touched.record === 'message' || touched.record === 'run' || touched.record === 'approval') assert.match(touched.id, /^(msg|run|appr)_/, definition.type);
    }
  });

  for (const { type } of eventDefinitions) {
    if (type === 'snapshot') continue;
    test(`${type}: the client copies exactly the declared record, and the reducer writes nothing else`, () => {
      const before = deepFreeze(baseState());
      const event = sampleEvent(type);
      // A frozen state throws on any write the copy-on-write did not make room for.
      const after = reconcile({ state: before, lastSeq: 0, cursor: null, retry: null }, event)!.state;
      const touched = touchedBy(event);
      assert.deepEqual(newIdentities(before, after).sort(), declared(touched, after).sort());
      assert.equal(after.messages !== before.messages, touched.record === 'message', 'the messages array is new only for a message event');
      assert.equal(after.runs !== before.runs, touched.record === 'run', 'the runs array is new only for a run event');
      assert.equal(after.approvals !== before.approvals, touched.record === 'approval', 'the approvals array is new only for an approval event');
      assert.deepEqual(after, applyEvent(baseState(), event), 'copy-on-write folds to what the in-place reducer gives');
    });

    test(`${type}: the engine marks exactly the declared record dirty, covering every record that changed`, async () => {
      const marked: string[] = [];
      const live = new LiveConversation({
        state: baseState(),
        log: await new MemoryEventLog({ clock: new InstantClock(), capacity: 10, newEpoch: () => 'E' }).open('conv_1', { lastSeq: 0 }),
        onDirty: () => marked.push('onDirty'),
        onUnsubscribe: () => {},
      });
      await live.attach();
      const event = sampleEvent(type);
      live.emit({ type: event.type, runId: event.runId, data: event.data } as Parameters<LiveConversation['emit']>[0]);
      await live.flush();
      const dirty = [
        ...(live.dirty.conversation ? ['conversation'] : []),
        ...[...live.dirty.messages].map((id) => `message:${id}`),
        ...[...live.dirty.runs].map((id) => `run:${id}`),
        ...[...live.dirty.approvals.keys()].map((id) => `approval:${id}`),
      ];
      const touched = touchedBy(event);
      // An approval is marked with its whole record, from the event, also once settled (it then leaves the state).
      const expected = touched.record === 'approval' ? [`approval:${touched.id}`] : declared(touched, live.state).filter((key) => !key.startsWith('part:'));
      assert.deepEqual(dirty, expected);
      for (const approval of live.dirty.approvals.values()) assert.deepEqual(approval, (event.data as { approval: unknown }).approval);
      assert.deepEqual(marked, dirty.length > 0 ? ['onDirty'] : []);
      const changed = changedContent(baseState(), live.state);
      for (const key of changed) assert.ok(dirty.includes(key) || (key === 'approvals' && touched.record === 'approval'), `${key} changed but was not marked dirty`);
      if (touched.record !== 'none') assert.ok(changed.length > 0, 'the sample changes its declared record');
    });
  }
});
