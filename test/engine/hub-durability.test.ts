import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { messageText } from '../../src/events/apply-event.ts';
import { MemoryStore } from '../../src/store/memory/memory-store.ts';
import type { StoreBatch } from '../../src/store/store.ts';
import { EventCollector, isRunEnd, makeHub } from '../support/hub-fixture.ts';
import { ScriptedSource, textStep, type ScriptItem } from '../support/scripted-source.ts';

/** A memory store whose commits wait until `open()`, and can be made to fail. */
class GatedStore extends MemoryStore {
  gated = false;
  failing = false;
  readonly committed: StoreBatch[] = [];
  #waiting: (() => void)[] = [];

  override async commit(given: StoreBatch): Promise<void> {
    // A store takes its copy when called (store.ts): the checkpointer hands over live records.
    const batch = structuredClone(given);
    if (this.gated) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    if (this.failing) throw new Error('disk full');
    await super.commit(batch);
    this.committed.push(batch);
  }

  open(): void {
    this.gated = false;
    for (const resolve of this.#waiting.splice(0)) resolve();
  }
}

const held: ScriptItem[] = [{ type: 'text-start', id: 't' }, { type: 'text-delta', id: 't', delta: 'x' }, { type: 'hold' }];

describe('nothing is acknowledged before it is durable', () => {
  it('send resolves only after the queued run, with its user message, is committed; concurrent sends share one transaction', async () => {
    const store = new GatedStore();
    const source = new ScriptedSource().enqueue(held);
    const fixture = await makeHub(source, { store });
    try {
      const { hub, conversation } = fixture;
      store.gated = true;
      let acknowledged = 0;
      const sends = ['first', 'second', 'third'].map((content) => hub.send(conversation.id, { content }).then((result) => (acknowledged++, result)));
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(acknowledged, 0, 'no send is acknowledged while its commit waits');
      const before = store.committed.length;
      store.open();
      const results = await Promise.all(sends);
      assert.equal(store.committed.length - before, 1, 'one transaction for the three acknowledgements');
      for (const { run } of results) {
        const stored = await store.getRun(run.id);
        assert.ok(stored, `run ${run.id} is stored when its send resolves`);
      }
      const queued = (await store.listRuns(conversation.id)).filter((run) => run.status === 'queued');
      assert.deepEqual(queued.map((run) => run.input?.parts.at(-1)), results.slice(1).map(({ message }) => message.parts.at(-1)));
    } finally {
      store.failing = false;
      store.open();
      source.release();
      await fixture.cleanup();
    }
  });

  it('a send whose commit fails is not acknowledged (it rejects)', async () => {
    const store = new GatedStore();
    const source = new ScriptedSource().enqueue(held);
    const fixture = await makeHub(source, { store });
    try {
      store.failing = true;
      await assert.rejects(fixture.hub.send(fixture.conversation.id, { content: 'lost?' }), /disk full/);
      store.failing = false;
    } finally {
      store.failing = false;
      store.open();
      source.release();
      await fixture.cleanup();
    }
  });

  it('PATCH, stop of a queued run and continue resolve only after their commit', async () => {
    const store = new GatedStore();
    const source = new ScriptedSource().enqueue(held, textStep([' more']));
    const fixture = await makeHub(source, { store });
    try {
      const { hub, conversation } = fixture;
      const holding = source.waitForHold();
      await hub.send(conversation.id, { content: 'one' });
      await holding;
      const { run: queued } = await hub.send(conversation.id, { content: 'two' });
      store.gated = true;
      let done = 0;
      const patch = hub.updateConversation(conversation.id, { title: 'Renamed' }).then(() => done++);
      const stop = hub.stop(conversation.id, { runId: queued.id }).then(() => done++);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(done, 0);
      store.open();
      await Promise.all([patch, stop]);
      assert.equal((await store.getConversation(conversation.id))?.title, 'Renamed');
      assert.equal((await store.getRun(queued.id))?.status, 'stopped');

      await hub.stop(conversation.id);
      store.gated = true;
      let continued = false;
      const continuing = hub.continue(conversation.id).then((result) => ((continued = true), result));
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(continued, false);
      store.open();
      const { run } = await continuing;
      assert.ok(await store.getRun(run.id));
    } finally {
      store.open();
      await fixture.cleanup();
    }
  });
});

describe('continue joins the partial text and the continuation exactly', () => {
  for (const [stored, continuation, expected] of [
    ['w55 w56 ', ' w57', 'w55 w56 w57'],
    ['w55 w56 ', 'w57', 'w55 w56 w57'],
    ['para one\n\n', '\nnext', 'para one\n\nnext'],
    ['para one\n', '\n\nnext', 'para one\n\nnext'],
    ['no space', ' after', 'no space after'],
  ] as const) {
    it(`${JSON.stringify(stored)} + model ${JSON.stringify(continuation)} → ${JSON.stringify(expected)} in the store, the events and the pre-fill`, async () => {
      const first: ScriptItem[] = [{ type: 'text-start', id: 't' }, { type: 'text-delta', id: 't', delta: stored }, { type: 'hold' }];
      // The continuation arrives split, whitespace first, as providers often send it.
      const second = textStep([...continuation.match(/^\s*/)![0].split(''), continuation.trimStart()].filter((delta) => delta !== ''));
      const source = new ScriptedSource().enqueue(first, second);
      const fixture = await makeHub(source);
      try {
        const { hub, conversation, store } = fixture;
        const events = new EventCollector(await hub.subscribe(conversation.id));
        const holding = source.waitForHold();
        await hub.send(conversation.id, { content: 'go' });
        await holding;
        await hub.stop(conversation.id);
        const { run } = await hub.continue(conversation.id);
        await events.waitFor((event) => isRunEnd(event) && event.runId === run.id);
        const prefill = source.requests[1]!.messages.at(-1)!;
        assert.equal(prefill.role, 'assistant');
        assert.deepEqual(prefill.role === 'assistant' && prefill.content.map((item) => item.type === 'text' && item.text), [stored.trimEnd()]);
        const streamed = events.events.filter((event) => event.type === 'part-delta').map((event) => event.type === 'part-delta' && event.data.delta).join('');
        const [, assistant] = await store.listMessages(conversation.id);
        assert.equal(messageText(assistant!), expected);
        assert.equal(streamed, expected);
        events.close();
      } finally {
        await fixture.cleanup();
      }
    });
  }
});
