import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfabEvent } from '../events/definitions.ts';
import { catalogMessageOf } from './catalog-producer.ts';

const envelope = { seq: 1, cursor: 'e.1', conversationId: 'c1', runId: 'r1', at: 5 };
const run = { id: 'r1' } as never;
const event = (type: string, data: unknown) => ({ ...envelope, type, data }) as unknown as ConfabEvent;

describe('catalogMessageOf', () => {
  it('gives each run event the phase it puts its run in, and nothing for the others', () => {
    const phases = [
      event('run-queued', { run }),
      event('run-waiting', { projectName: 'p', reason: 'offline', message: 'no worker', timeoutAt: 9 }),
      event('run-started', { run }),
      event('run-requires-action', { run }),
      event('run-resumed', { run }),
      event('run-steered', { run, intoRunId: 'r0' }),
      event('run-completed', { run }),
      event('run-interrupted', { run }),
      event('part-delta', { messageId: 'm', partId: 'p', delta: 'x' }),
      event('message-created', { message: {} }),
    ].map((candidate) => catalogMessageOf(candidate));
    assert.deepEqual(
      phases.map((message) => (message?.type === 'run-phase' ? message.data.phase : message)),
      ['queued', 'waiting', 'running', 'requires-action', 'running', 'ended', 'ended', 'ended', undefined, undefined],
    );
    assert.deepEqual(phases[1], { type: 'run-phase', at: 5, data: { conversationId: 'c1', runId: 'r1', phase: 'waiting' } });
  });

  it('passes conversation records and deletions on as catalog changes', () => {
    const conversation = { id: 'c1', title: 'T' } as never;
    assert.deepEqual(catalogMessageOf(event('conversation-updated', { conversation })), { type: 'conversation-updated', at: 5, data: { conversation } });
    assert.deepEqual(catalogMessageOf(event('conversation-deleted', { conversationId: 'c1' })), { type: 'conversation-deleted', at: 5, data: { conversationId: 'c1' } });
  });
});
