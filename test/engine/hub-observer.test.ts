import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfabEvent } from '../../src/events/definitions.ts';
import { MemoryStore } from '../../src/store/memory/memory-store.ts';
import type { StoreBatch } from '../../src/store/store.ts';
import { EventCollector, isRunEnd, makeHub } from '../support/hub-fixture.ts';
import { ScriptedSource, textStep } from '../support/scripted-source.ts';
import type { CheckpointReport, EngineObserver } from '../../src/engine/engine-observer.ts';

class Recorder implements EngineObserver {
  readonly events: ConfabEvent[] = [];
  readonly checkpoints: CheckpointReport[] = [];
  eventsAppended(events: readonly ConfabEvent[]): void {
    this.events.push(...events);
  }
  checkpointWritten(report: CheckpointReport): void {
    this.checkpoints.push(report);
  }
}

class FailingStore extends MemoryStore {
  failing = false;
  override async commit(batch: StoreBatch): Promise<void> {
    if (this.failing) throw new Error('disk full');
    await super.commit(batch);
  }
}

async function runOnce(observer: EngineObserver, store = new MemoryStore()) {
  const fixture = await makeHub(new ScriptedSource().enqueue(textStep(['Hel', 'lo'])), { observer, store });
  const collector = new EventCollector(await fixture.hub.subscribe(fixture.conversation.id));
  await fixture.hub.send(fixture.conversation.id, { content: 'Hi' });
  await collector.waitFor(isRunEnd);
  return { ...fixture, collector };
}

describe('engine observer', () => {
  it('is told every event appended, in seq order, exactly as subscribers get them, and every checkpoint', async () => {
    const recorder = new Recorder();
    const { collector, cleanup } = await runOnce(recorder);
    try {
      await collector.waitFor((event) => event.type === 'conversation-updated' && event.runId !== null);
      const delivered = collector.events.filter((event) => event.type !== 'snapshot');
      assert.deepEqual(recorder.events, delivered);
      assert.deepEqual(
        recorder.events.map((event) => event.type),
        ['conversation-updated', 'run-queued', 'message-created', 'message-created', 'run-started', 'part-start', 'part-delta', 'part-delta', 'part-end', 'message-completed', 'run-completed', 'conversation-updated'],
      );
      assert.ok(recorder.checkpoints.length >= 2, 'the send and the run end were committed');
      for (const report of recorder.checkpoints) {
        assert.equal(report.ok, true);
        assert.equal(report.conversations, 1);
        assert.ok(report.durationMs >= 0);
      }
    } finally {
      await cleanup();
    }
  });

  it('reports a failed checkpoint as not ok', async () => {
    const recorder = new Recorder();
    const store = new FailingStore();
    const { hub, conversation, cleanup } = await runOnce(recorder, store);
    try {
      store.failing = true;
      await assert.rejects(hub.updateConversation(conversation.id, { title: 'Renamed' }), /disk full/);
      assert.deepEqual(recorder.checkpoints.at(-1), { ...recorder.checkpoints.at(-1), ok: false, conversations: 1 });
    } finally {
      store.failing = false;
      await cleanup();
    }
  });

  it('cannot disturb the engine: an observer that throws changes nothing', async () => {
    const throwing: EngineObserver = {
      eventsAppended: () => {
        throw new Error('observer bug');
      },
      checkpointWritten: () => {
        throw new Error('observer bug');
      },
    };
    const { collector, cleanup } = await runOnce(throwing);
    try {
      const end = collector.events.find(isRunEnd);
      assert.equal(end?.type, 'run-completed');
    } finally {
      await cleanup();
    }
  });
});
