import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { activeBranch } from '../../src/domain/branches.ts';
import { ConfabError } from '../../src/domain/errors.ts';
import type { ConversationState } from '../../src/domain/schemas.ts';
import { messageText } from '../../src/events/apply-event.ts';
import { SessionHub } from '../../src/engine/session-hub.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { EventCollector, isRunEnd, makeHub, singleSourceModels } from '../support/hub-fixture.ts';
import { ScriptedSource, textStep } from '../support/scripted-source.ts';

const rejectsWith = (code: string) => (error: unknown) => ConfabError.is(error) && error.code === code;
const shown = (state: ConversationState) => activeBranch(state.messages, state.conversation.activeMessageId).map((message) => `${message.role}:${messageText(message)}`);
const promptOf = (source: ScriptedSource, index: number) =>
  source.requests[index].messages.map((message) => `${message.role}:${message.role === 'user' ? message.text : message.role === 'assistant' ? message.content.map((part) => ('text' in part ? part.text : '')).join('') : ''}`);

/** q1 → a1 → q2 → a2, each run ended. */
async function twoTurns(hub: SessionHub, conversationId: string, events: EventCollector): Promise<void> {
  await hub.send(conversationId, { content: 'q1' });
  await ended(events, 1);
  await hub.send(conversationId, { content: 'q2' });
  await ended(events, 2);
}

async function ended(events: EventCollector, count: number): Promise<void> {
  for (let i = 0; i < 400 && events.events.filter(isRunEnd).length < count; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(events.events.filter(isRunEnd).length, count, events.types().join(', '));
}

describe('branches: regenerate, edit and resend, select', () => {
  it('regenerate adds a second reply beside the first, prompts with the branch only, and shows the new one', async () => {
    const source = new ScriptedSource().enqueue(textStep(['a1']), textStep(['a2']), textStep(['again']));
    const fixture = await makeHub(source);
    try {
      const { hub, conversation } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      await twoTurns(hub, conversation.id, events);
      const before = (await hub.getConversation(conversation.id)).state;
      const firstReply = before.messages[1];
      const { run } = await hub.regenerate(conversation.id, { messageId: firstReply.id });
      assert.equal(run.trigger, 'regenerate');
      assert.equal(run.userMessageId, before.messages[0].id);
      await ended(events, 3);
      assert.deepEqual(promptOf(source, 2), ['user:q1'], 'the later messages of the old branch are not sent');
      const { state } = await hub.getConversation(conversation.id);
      assert.deepEqual(shown(state), ['user:q1', 'assistant:again']);
      assert.equal(state.messages.length, 5, 'the old branch is kept');
      assert.equal(state.messages[4].parentId, before.messages[0].id);

      // Back to the first reply: its branch (with q2) is shown again; a send follows it.
      await hub.selectBranch(conversation.id, { messageId: firstReply.id });
      assert.deepEqual(shown((await hub.getConversation(conversation.id)).state), ['user:q1', 'assistant:a1', 'user:q2', 'assistant:a2']);
      source.enqueue(textStep(['third']));
      await hub.send(conversation.id, { content: 'q3' });
      await ended(events, 4);
      assert.deepEqual(promptOf(source, 3), ['user:q1', 'assistant:a1', 'user:q2', 'assistant:a2', 'user:q3']);
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('edit and resend makes a sibling of the edited message, from its parent (or as a new first message)', async () => {
    const source = new ScriptedSource().enqueue(textStep(['a1']), textStep(['a2']), textStep(['a2 edited']), textStep(['a1 edited']));
    const fixture = await makeHub(source);
    try {
      const { hub, conversation } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      await twoTurns(hub, conversation.id, events);
      const { messages } = (await hub.getConversation(conversation.id)).state;
      await hub.send(conversation.id, { content: 'q2 edited', parentId: messages[1].id });
      await ended(events, 3);
      assert.deepEqual(promptOf(source, 2), ['user:q1', 'assistant:a1', 'user:q2 edited']);
      assert.deepEqual(shown((await hub.getConversation(conversation.id)).state), ['user:q1', 'assistant:a1', 'user:q2 edited', 'assistant:a2 edited']);

      await hub.send(conversation.id, { content: 'q1 edited', parentId: null });
      await ended(events, 4);
      assert.deepEqual(promptOf(source, 3), ['user:q1 edited']);
      const { state } = await hub.getConversation(conversation.id);
      assert.deepEqual(shown(state), ['user:q1 edited', 'assistant:a1 edited']);
      assert.equal(state.conversation.title, 'q1', 'the title is not replaced by an edit');
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('refuses bad branch commands with stable codes and changes nothing', async () => {
    const source = new ScriptedSource().enqueue(textStep(['a1']));
    const fixture = await makeHub(source);
    try {
      const { hub, conversation } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      await hub.send(conversation.id, { content: 'q1' });
      await ended(events, 1);
      const before = await hub.getConversation(conversation.id);
      const [user, reply] = before.state.messages;
      await assert.rejects(hub.send(conversation.id, { content: 'x', parentId: 'msg_missing' }), rejectsWith('not_found'));
      await assert.rejects(hub.send(conversation.id, { content: 'x', parentId: user.id }), rejectsWith('bad_request'));
      await assert.rejects(hub.regenerate(conversation.id, { messageId: 'msg_missing' }), rejectsWith('not_found'));
      await assert.rejects(hub.regenerate(conversation.id, { messageId: '' }), rejectsWith('bad_request'));
      await assert.rejects(hub.selectBranch(conversation.id, { messageId: 'msg_missing' }), rejectsWith('not_found'));
      assert.equal((await hub.getConversation(conversation.id)).cursor, before.cursor, 'no event was emitted');
      // Regenerating the user message itself answers it again.
      source.enqueue([{ type: 'hold' }, ...textStep(['slow'])]);
      await hub.regenerate(conversation.id, { messageId: user.id });
      await assert.rejects(hub.regenerate(conversation.id, { messageId: reply.id }), rejectsWith('conversation_busy'));
      source.release();
      await ended(events, 2);
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('keeps the tree and the branch shown through a restart on SQLite', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'confab-branches-'));
    const open = async (source: ScriptedSource) => {
      const store = new SqliteStore({ path: join(dir, 'confab.db') });
      await store.init();
      const hub = new SessionHub({ store, models: singleSourceModels(source) });
      await hub.start();
      return hub;
    };
    try {
      const source = new ScriptedSource().enqueue(textStep(['one']), textStep(['two']));
      let hub = await open(source);
      await hub.createProject({ name: 'demo', path: dir });
      const conversation = await hub.createConversation({ projectName: 'demo', model: 'test/model' });
      const events = new EventCollector(await hub.subscribe(conversation.id));
      await hub.send(conversation.id, { content: 'q' });
      await ended(events, 1);
      const first = (await hub.getConversation(conversation.id)).state.messages[1];
      await hub.regenerate(conversation.id, { messageId: first.id });
      await ended(events, 2);
      await hub.selectBranch(conversation.id, { messageId: first.id });
      events.close();
      await hub.close();

      hub = await open(new ScriptedSource());
      const { state } = await hub.getConversation(conversation.id);
      assert.deepEqual(shown(state), ['user:q', 'assistant:one']);
      assert.deepEqual(state.messages.map((message) => message.parentId), [null, state.messages[0].id, state.messages[0].id]);
      await hub.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
