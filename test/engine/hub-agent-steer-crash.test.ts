/**
 * A steered message survives a crash (SQLite with the journal, as `confab serve` runs): acknowledged,
 * it is stored; not taken yet when the server dies, recovery keeps it in the conversation with its
 * run interrupted, as any queued message; taken, the reply the run had moved on to is the one
 * marked interrupted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfabError } from '../../src/domain/errors.ts';
import { messageText } from '../../src/events/apply-event.ts';
import { JournalEventLog } from '../../src/engine/event-log/journal-event-log.ts';
import { SessionHub } from '../../src/engine/session-hub.ts';
import { SqliteJournal } from '../../src/store/sqlite/sqlite-journal.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { systemClock } from '../../src/util/clock.ts';
import { EventCollector, withDataDir } from '../support/hub-fixture.ts';
import { ScriptedAgent, type AgentScriptItem } from '../support/scripted-agent.ts';

let epochs = 0;

async function openHub(path: string, agent: ScriptedAgent) {
  const store = new SqliteStore({ path });
  await store.init();
  const journal = new SqliteJournal({ database: store.database, bootId: 'boot-1' });
  const eventLog = new JournalEventLog({ journal, clock: systemClock, newEpoch: () => `S${++epochs}` });
  const models = {
    resolve(modelId: string) {
      if (!modelId.startsWith('agent/')) throw new ConfabError('unknown_model', modelId);
      return { source: agent, pricing: undefined };
    },
  };
  const hub = new SessionHub({ store, models, eventLog });
  const { recovered } = await hub.start();
  return { store, hub, recovered };
}

const words = (id: string, delta: string): AgentScriptItem[] => [
  { type: 'text-start', id },
  { type: 'text-delta', id, delta },
];

describe('a steered message across a crash', () => {
  it('acknowledged but not taken when the server dies: kept in the conversation, its run interrupted', async () => {
    await withDataDir(async (path, projectPath) => {
      const agent = new ScriptedAgent({ steering: true }).enqueue([{ type: 'agent-session', sessionId: 's1' }, ...words('a', 'Half'), { type: 'steerable' }, { type: 'hold' }]);
      agent.refuseSteers = true;
      const crashed = await openHub(path, agent);
      await crashed.hub.createProject({ name: 'demo', path: projectPath });
      const conversationId = (await crashed.hub.createConversation({ projectName: 'demo', model: 'agent/x' })).id;
      const holding = agent.waitForHold();
      const first = await crashed.hub.send(conversationId, { content: 'Start' });
      await holding;
      const steer = await crashed.hub.send(conversationId, { content: 'Do not lose me', onBusy: 'steer' });

      // The process "dies": nothing is closed; a new hub opens the same file.
      const restarted = await openHub(path, new ScriptedAgent());
      assert.deepEqual(
        restarted.recovered.map((run) => [run.id, run.status]),
        [
          [first.run.id, 'interrupted'],
          [steer.run.id, 'interrupted'],
        ],
      );
      const messages = await restarted.store.listMessages(conversationId);
      assert.deepEqual(
        messages.map((message) => [message.role, message.status, messageText(message)]),
        [
          ['user', 'completed', 'Start'],
          ['assistant', 'interrupted', 'Half'],
          ['user', 'completed', 'Do not lose me'],
        ],
      );
      agent.release();
      await restarted.hub.close();
      await restarted.store.close();
      await crashed.store.close();
    });
  });

  it('taken when the server dies: the reply it moved on to is marked interrupted, the earlier one stays complete', async () => {
    await withDataDir(async (path, projectPath) => {
      const agent = new ScriptedAgent({ steering: true }).enqueue([{ type: 'agent-session', sessionId: 's1' }, ...words('a', 'Before.'), { type: 'steerable' }, { type: 'take-steered' }, ...words('b', 'After'), { type: 'hold' }]);
      const crashed = await openHub(path, agent);
      await crashed.hub.createProject({ name: 'demo', path: projectPath });
      const conversationId = (await crashed.hub.createConversation({ projectName: 'demo', model: 'agent/x' })).id;
      const events = new EventCollector(await crashed.hub.subscribe(conversationId));
      const holding = agent.waitForHold();
      const first = await crashed.hub.send(conversationId, { content: 'Start' });
      await events.waitFor((event) => event.type === 'part-delta' && event.data.delta === 'Before.');
      const steer = await crashed.hub.send(conversationId, { content: 'Steer me', onBusy: 'steer' });
      await holding;
      await events.waitFor((event) => event.type === 'part-delta' && event.data.delta === 'After');
      events.close();

      const restarted = await openHub(path, new ScriptedAgent());
      assert.deepEqual(
        restarted.recovered.map((run) => [run.id, run.status]),
        [[first.run.id, 'interrupted']],
        'the steer run had ended (steered): nothing of it is left to recover',
      );
      assert.deepEqual(
        (await restarted.store.listMessages(conversationId)).map((message) => [message.role, message.status, messageText(message)]),
        [
          ['user', 'completed', 'Start'],
          ['assistant', 'completed', 'Before.'],
          ['user', 'completed', 'Steer me'],
          ['assistant', 'interrupted', 'After'],
        ],
      );
      const stored = await restarted.store.getRun(steer.run.id);
      assert.deepEqual([stored?.status, stored?.finishReason], ['completed', 'steered']);
      agent.release();
      await restarted.hub.close();
      await restarted.store.close();
      await crashed.store.close();
    });
  });
});
