import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { applyEvent, messageText } from '../../src/events/apply-event.ts';
import type { ConfabEvent } from '../../src/events/definitions.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { SessionHub } from '../../src/engine/session-hub.ts';
import { EventCollector, isRunEnd, makeHub, singleSourceModels } from '../support/hub-fixture.ts';
import { ScriptedSource, textStep } from '../support/scripted-source.ts';

const held = (deltas: string[], after: number) => {
  const step = textStep(deltas);
  step.splice(1 + after, 0, { type: 'hold' });
  return step;
};
const strip = (events: ConfabEvent[]) => events.map(({ seq, type, data }) => ({ seq, type, data }));

describe('subscribers', () => {
  it('two subscribers see identical sequences', async () => {
    const source = new ScriptedSource().enqueue(textStep(['a', 'b', 'c', 'd']));
    const fixture = await makeHub(source);
    try {
      const { hub, conversation } = fixture;
      const { cursor } = await hub.getConversation(conversation.id);
      const first = new EventCollector(await hub.subscribe(conversation.id, { after: cursor }));
      const second = new EventCollector(await hub.subscribe(conversation.id, { after: cursor }));
      await hub.send(conversation.id, { content: 'go' });
      await first.waitFor(isRunEnd);
      await second.waitFor(isRunEnd);
      assert.ok(first.events.length > 10);
      assert.deepEqual(strip(first.events), strip(second.events));
      assert.notEqual(first.events[0].type, 'snapshot', 'a current cursor replays, it does not snapshot');
      first.close();
      second.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('a late subscriber gets a snapshot with the partial message, then live events', async () => {
    const source = new ScriptedSource().enqueue(held(['Hel', 'lo', ' there'], 2));
    const fixture = await makeHub(source);
    try {
      const { hub, conversation } = fixture;
      const holding = source.waitForHold();
      await hub.send(conversation.id, { content: 'go' });
      await holding;
      const late = new EventCollector(await hub.subscribe(conversation.id));
      const snapshot = late.events[0];
      assert.equal(snapshot.type, 'snapshot');
      if (snapshot.type !== 'snapshot') return;
      const partial = snapshot.data.state.messages.at(-1)!;
      assert.equal(partial.status, 'streaming');
      assert.equal(messageText(partial), 'Hello');
      source.release();
      await late.waitFor(isRunEnd);
      let state = snapshot.data.state;
      for (const event of late.events.slice(1)) {
        assert.equal(event.seq > snapshot.seq, true);
        state = applyEvent(state, event);
      }
      assert.equal(messageText(state.messages.at(-1)!), 'Hello there');
      assert.deepEqual(state, (await hub.getConversation(conversation.id)).state);
      late.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('resumes after a cursor with no gap and no duplicate', async () => {
    const source = new ScriptedSource().enqueue(held(['one ', 'two ', 'three ', 'four'], 2));
    const fixture = await makeHub(source);
    try {
      const { hub, conversation } = fixture;
      const watcher = new EventCollector(await hub.subscribe(conversation.id));
      const holding = source.waitForHold();
      await hub.send(conversation.id, { content: 'count' });
      await holding;
      await watcher.waitFor((event) => event.type === 'part-delta' && event.data.delta === 'two ');
      const lastSeen = watcher.events.at(-1)!;
      watcher.close();

      source.release();
      const reference = new EventCollector(await hub.subscribe(conversation.id));
      await reference.waitFor(isRunEnd);
      const resumed = new EventCollector(await hub.subscribe(conversation.id, { after: lastSeen.cursor }));
      await resumed.waitFor(isRunEnd);
      assert.equal(resumed.events[0].seq, lastSeen.seq + 1);
      const seqs = resumed.events.map((event) => event.seq);
      assert.deepEqual(seqs, seqs.map((_, index) => lastSeen.seq + 1 + index));
      const text = [...watcher.events, ...resumed.events].flatMap((event) => (event.type === 'part-delta' ? [event.data.delta] : [])).join('');
      assert.equal(text, 'one two three four');
      resumed.close();
      reference.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('a cursor older than the log holds gets a snapshot', async () => {
    const source = new ScriptedSource().enqueue(textStep(Array.from({ length: 30 }, (_, index) => `${index},`)));
    const fixture = await makeHub(source, { limits: { logCapacity: 8 } });
    try {
      const { hub, conversation } = fixture;
      const { cursor } = await hub.getConversation(conversation.id);
      const watcher = new EventCollector(await hub.subscribe(conversation.id, { after: cursor }));
      await hub.send(conversation.id, { content: 'go' });
      await watcher.waitFor(isRunEnd);
      const old = new EventCollector(await hub.subscribe(conversation.id, { after: watcher.events[2].cursor }));
      assert.equal(old.events[0].type, 'snapshot');
      const recent = new EventCollector(await hub.subscribe(conversation.id, { after: watcher.events.at(-4)!.cursor }));
      assert.deepEqual(recent.types(), watcher.types().slice(-3));
      for (const collector of [watcher, old, recent]) collector.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('a garbage or future cursor gets a snapshot, never an error or a wrong replay', async () => {
    const fixture = await makeHub(new ScriptedSource());
    try {
      const { hub, conversation } = fixture;
      const { cursor } = await hub.getConversation(conversation.id);
      const future = cursor.replace(/\.\d+$/, '.999');
      for (const after of ['garbage', '', future, 'x.1']) {
        const collector = new EventCollector(await hub.subscribe(conversation.id, { after }));
        assert.deepEqual(collector.types(), ['snapshot'], `cursor ${JSON.stringify(after)}`);
        collector.close();
      }
    } finally {
      await fixture.cleanup();
    }
  });

  it('a subscriber that falls behind its bound is cut over to one snapshot', async () => {
    const deltas = Array.from({ length: 50 }, (_, index) => `${index} `);
    const source = new ScriptedSource().enqueue(textStep(deltas));
    const fixture = await makeHub(source);
    try {
      const { hub, conversation } = fixture;
      const fast = new EventCollector(await hub.subscribe(conversation.id));
      const slow = await hub.subscribe(conversation.id, { bufferLimit: 5 });
      slow.take();
      await hub.send(conversation.id, { content: 'flood' });
      await fast.waitFor(isRunEnd);
      assert.equal(slow.pending, 1, 'only the pending snapshot is held, not the events');
      assert.ok(slow.overflows >= 1);
      const [snapshot] = slow.take();
      assert.equal(snapshot.type, 'snapshot');
      if (snapshot.type === 'snapshot') {
        assert.equal(messageText(snapshot.data.state.messages.at(-1)!), deltas.join(''));
        assert.equal(snapshot.seq, fast.events.at(-1)!.seq);
      }
      slow.close();
      fast.close();
    } finally {
      await fixture.cleanup();
    }
  });
});

describe('restarts', () => {
  it('a cursor from before the store was reopened yields a snapshot; seqs keep increasing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'confab-restart-'));
    try {
      const source = new ScriptedSource().enqueue(textStep(['before']));
      const first = await makeHub(source, { store: new SqliteStore({ path: join(dir, 'confab.db') }) });
      const { conversation } = first;
      const watcher = new EventCollector(await first.hub.subscribe(conversation.id));
      await first.hub.send(conversation.id, { content: 'hello' });
      await watcher.waitFor(isRunEnd);
      const last = watcher.events.at(-1)!;
      watcher.close();
      await first.cleanup();
      await first.store.close();

      const store = new SqliteStore({ path: join(dir, 'confab.db') });
      await store.init();
      const hub = new SessionHub({ store, models: singleSourceModels(source) });
      await hub.start();
      const resumed = new EventCollector(await hub.subscribe(conversation.id, { after: last.cursor }));
      const [snapshot] = resumed.events;
      assert.equal(snapshot.type, 'snapshot');
      assert.equal(snapshot.seq, last.seq, 'seq continues from the checkpoint');
      if (snapshot.type === 'snapshot') assert.equal(messageText(snapshot.data.state.messages.at(-1)!), 'before');
      resumed.close();
      await hub.close();
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('start-up recovery turns a running run into interrupted with its partial text, and continue carries on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'confab-recover-'));
    try {
      const path = join(dir, 'confab.db');
      const source = new ScriptedSource().enqueue(held(['Once ', 'upon ', 'a time'], 2));
      const crashed = await makeHub(source, { store: new SqliteStore({ path }), limits: { checkpointIntervalMs: 10 } });
      const { conversation } = crashed;
      const holding = source.waitForHold();
      const { run } = await crashed.hub.send(conversation.id, { content: 'story' });
      await holding;
      await new Promise((resolve) => setTimeout(resolve, 50));
      // The process "dies": nothing is closed; a new hub opens the same file.
      const store = new SqliteStore({ path });
      await store.init();
      assert.equal((await store.getRun(run.id))?.status, 'running');
      const continued = new ScriptedSource().enqueue(textStep([' there was a test.']));
      const hub = new SessionHub({ store, models: singleSourceModels(continued) });
      const { recovered } = await hub.start();
      assert.deepEqual(recovered.map((recoveredRun) => [recoveredRun.id, recoveredRun.status]), [[run.id, 'interrupted']]);
      const { state } = await hub.getConversation(conversation.id);
      const partial = state.messages.at(-1)!;
      assert.equal(partial.status, 'interrupted');
      assert.equal(messageText(partial), 'Once upon ');

      const watcher = new EventCollector(await hub.subscribe(conversation.id));
      const { run: next } = await hub.continue(conversation.id);
      assert.equal(next.trigger, 'continue');
      await watcher.waitFor(isRunEnd);
      const prompt = continued.requests[0].messages;
      assert.deepEqual(prompt.at(-1), { role: 'assistant', content: [{ type: 'text', text: 'Once upon' }] });
      const final = (await hub.getConversation(conversation.id)).state.messages;
      assert.equal(final.length, 2, 'continue writes into the same assistant message');
      assert.equal(messageText(final[1]), 'Once upon there was a test.', 'the whitespace trimmed off the pre-fill is not doubled at the join');
      assert.equal(final[1].status, 'completed');
      watcher.close();
      await hub.close();
      await store.close();
      source.release();
      await crashed.cleanup().catch(() => {});
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
