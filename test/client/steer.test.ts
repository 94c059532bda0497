/**
 * Steering through the SDK, over both transports: the model listing says which models take a
 * steered message; a send with `onBusy: "steer"` over the WebSocket is taken into the running
 * agent turn, a second client on SSE sees it land, and `runAnswered` follows the message to the
 * run that answered it. A steer into a run that cannot take it fails with `steer_unsupported`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient, messageText, runAnswered, type ConfabClient } from '../../src/client/index.ts';
import { ConfabError } from '../../src/domain/errors.ts';
import { SessionHub } from '../../src/engine/session-hub.ts';
import { startServer } from '../../src/server/server.ts';
import { MemoryStore } from '../../src/store/memory/memory-store.ts';
import { makeProjectDir } from '../support/hub-fixture.ts';
import { ScriptedAgent, type AgentScriptItem } from '../support/scripted-agent.ts';
import { recordEvents, waitForWatch } from './support/watch-helpers.ts';

const token = 'steer-token-0123456789';
const words = (id: string, delta: string): AgentScriptItem[] => [
  { type: 'text-start', id },
  { type: 'text-delta', id, delta },
  { type: 'text-end', id },
];

describe('steering through the client SDK', () => {
  const steering = new ScriptedAgent({ steering: true });
  const plain = new ScriptedAgent({ steering: false });
  let server: Awaited<ReturnType<typeof startServer>>;
  let hub: SessionHub;
  let project: Awaited<ReturnType<typeof makeProjectDir>>;
  const clients: ConfabClient[] = [];
  const client = (transport: 'websocket' | 'sse') => {
    const created = createClient({ url: server.url, token, transport });
    clients.push(created);
    return created;
  };

  before(async () => {
    project = await makeProjectDir();
    const models = {
      resolve(modelId: string) {
        if (modelId === 'codexish/default') return { source: steering, pricing: undefined };
        if (modelId === 'acpish/default') return { source: plain, pricing: undefined };
        throw new ConfabError('unknown_model', modelId);
      },
      list: () => [
        { id: 'codexish/default', provider: 'codexish', pricing: null, steer: true },
        { id: 'acpish/default', provider: 'acpish', pricing: null },
      ],
      defaultModel: () => 'codexish/default',
    };
    hub = new SessionHub({ store: new MemoryStore(), models });
    await hub.start();
    await hub.createProject({ name: 'demo', path: project.path });
    server = await startServer({ hub, models, port: 0, token, version: '0.0.0-test' });
  });

  after(async () => {
    for (const created of clients.splice(0)) await created.close();
    await server.close();
    await hub.close();
    await project.cleanup();
  });

  test('the listing marks steerable models; a steer over the WebSocket lands in the running turn, seen by a second client on SSE', async () => {
    const alice = client('websocket');
    const bob = client('sse');
    assert.deepEqual((await alice.models()).models.map((model) => [model.id, model.steer ?? false]), [
      ['codexish/default', true],
      ['acpish/default', false],
    ]);
    steering.enqueue([{ type: 'agent-session', sessionId: 's' }, ...words('a', 'Looking.'), { type: 'steerable' }, { type: 'take-steered' }, ...words('b', 'Found it.'), { type: 'finish', finishReason: 'stop', usage: undefined }]);
    const conversationId = (await alice.conversations.create({ projectName: 'demo', model: 'codexish/default' })).id;
    const aliceWatch = alice.watch(conversationId);
    const bobWatch = bob.watch(conversationId);
    const bobEvents = recordEvents(bobWatch);
    await Promise.all([waitForWatch(aliceWatch, (state) => state.live), waitForWatch(bobWatch, (state) => state.live)]);

    const first = await aliceWatch.send('Find the bug');
    await waitForWatch(aliceWatch, (state) => state.state?.messages.some((message) => messageText(message) === 'Looking.') ?? false);
    const steer = await aliceWatch.send('Look in parser.ts', { onBusy: 'steer' });
    assert.equal(steer.run.trigger, 'steer');
    const answered = await runAnswered(aliceWatch, steer);
    assert.equal(answered.id, first.run.id, 'answered by the run it was steered into');
    assert.equal(answered.status, 'completed');
    await waitForWatch(bobWatch, (state) => state.status === 'idle' && state.state!.messages.length === 4);
    assert.deepEqual(bobWatch.current.state!.messages.map(messageText), ['Find the bug', 'Looking.', 'Look in parser.ts', 'Found it.']);
    const steered = bobEvents.find((event) => event.type === 'run-steered');
    assert.ok(steered?.type === 'run-steered');
    assert.equal(steered.data.intoRunId, first.run.id);
    assert.deepEqual(steering.steered.map((message) => message.prompt), ['Look in parser.ts']);
  });

  test('a steer into a running turn that cannot take it fails with steer_unsupported, over REST too', async () => {
    const alice = client('websocket');
    plain.enqueue([{ type: 'agent-session', sessionId: 'p' }, ...words('a', 'Busy.'), { type: 'hold' }, { type: 'finish', finishReason: 'stop', usage: undefined }]);
    const conversationId = (await alice.conversations.create({ projectName: 'demo', model: 'acpish/default' })).id;
    const watch = alice.watch(conversationId);
    const holding = plain.waitForHold();
    const first = await watch.send('Start');
    await holding;
    await assert.rejects(watch.send('More', { onBusy: 'steer' }), (error: any) => error.code === 'steer_unsupported');
    const rest = await fetch(`${server.url}/v1/conversations/${conversationId}/messages`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ content: 'More', onBusy: 'steer' }) });
    assert.equal(rest.status, 409);
    assert.equal((await rest.json()).error.code, 'steer_unsupported');
    plain.release();
    const answered = await runAnswered(watch, first);
    assert.deepEqual([answered.id, answered.status], [first.run.id, 'completed'], 'a plain send is answered by its own run');
  });
});
