import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConversationState } from '../domain/schemas.ts';
import { applyEvent } from './apply-event.ts';
import type { ConfabEvent } from './definitions.ts';

const state = (): ConversationState => ({
  conversation: { id: 'c', projectName: 'p', title: '', model: 'm/m', systemPrompt: '', busyPolicy: 'enqueue', usage: { inputTokens: 0, outputTokens: 0 }, cost: null, createdAt: 0, updatedAt: 0 },
  messages: [],
  runs: [],
});
const event = (seq: number, type: string, data: unknown) => ({ seq, cursor: `e.${seq}`, conversationId: 'c', runId: 'r', type, at: seq, data }) as ConfabEvent;

describe('applyEvent', () => {
  it('folds a created message as a copy: events folded after it do not change what the message-created event says', () => {
    const created = event(1, 'message-created', { message: { id: 'm', conversationId: 'c', role: 'assistant', parentId: null, parts: [], status: 'streaming', runId: 'r', model: 'm/m', usage: null, cost: null, createdAt: 1, updatedAt: 1 } });
    const folded = applyEvent(state(), created);
    applyEvent(folded, event(2, 'part-start', { messageId: 'm', partId: 'p1', kind: 'text' }));
    applyEvent(folded, event(3, 'part-delta', { messageId: 'm', partId: 'p1', delta: 'Hi' }));
    assert.deepEqual(folded.messages[0]!.parts, [{ id: 'p1', kind: 'text', text: 'Hi' }]);
    assert.deepEqual(created.type === 'message-created' && created.data.message.parts, [], 'encoded later, the event still has no parts');
  });
});
