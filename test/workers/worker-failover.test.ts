import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ConfabEvent } from '../../src/events/definitions.ts';
import { openSse, type SseConnection } from '../support/sse-client.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';
import { startWorkerSetup, textOf, waitUntil, type SpawnedWorker, type WorkerSetup } from './worker-processes.ts';

/** Deltas per run, in the order a watcher saw them. */
function deltasByRun(events: ConfabEvent[]): string[] {
  const text = new Map<string, string>();
  for (const event of events) if (event.type === 'part-delta' && event.runId) text.set(event.runId, (text.get(event.runId) ?? '') + (event.data as { delta: string }).delta);
  return [...text.values()];
}

/** The live events a watcher saw (no snapshot) carry consecutive seqs: nothing missed, nothing twice. */
function assertSeqsWithoutGap(events: ConfabEvent[]): void {
  const live = events.filter((event) => event.type !== 'snapshot');
  assert.deepEqual(live.map((event) => event.seq), live.map((_, index) => live[0]!.seq + index));
}

describe('machine workers: a run continued on another worker, stopped, or handed back', { timeout: 240_000 }, () => {
  let setup: WorkerSetup;
  before(async () => {
    setup = await startWorkerSetup({ serveArgs: ['--worker-wait', '10s', '--worker-grace', '3s', '--worker-heartbeat', '1s'] });
  });
  after(async () => {
    await setup?.close();
  });

  /** Two workers of one project; a watched conversation whose run streams a held answer on one of them. */
  async function heldRunOnOneOfTwo(project: string, chunks: string[]) {
    const workers: SpawnedWorker[] = [];
    for (const name of [`${project}-a`, `${project}-b`]) {
      const { token } = await setup.addWorker(name, [project]);
      workers.push(await setup.spawnWorker({ token, projects: { [project]: await setup.projectDir(project, {}) } }));
    }
    const conversationId = await setup.conversation(project);
    const sse = await openSse(`${setup.server.url}/v1/conversations/${conversationId}/events`, { authorization: `Bearer ${setup.server.token}` });
    setup.upstream.enqueue({ kind: 'stream', chunks: chunks.map((text) => ({ text })), holdAfter: 2 });
    const run = await setup.send(conversationId, 'Tell me');
    const partial = chunks.slice(0, 2).join('');
    await waitUntil(async () => textOf((await setup.detail(conversationId)).messages.at(-1) ?? { parts: [] }) === partial, 20_000, () => 'the partial text');
    const [running, other] = workers[0]!.stderr().includes(run.id) ? [workers[0]!, workers[1]!] : [workers[1]!, workers[0]!];
    assert.ok(running.stderr().includes(run.id) && !other.stderr().includes(run.id), 'the run executes on exactly one worker');
    return { running, other, conversationId, sse, runId: run.id };
  }

  /** Waits for the `continue` run queued after `runId`, and for its end. */
  async function continuation(sse: SseConnection, conversationId: string, runId: string) {
    const queued = await sse.waitFor((event) => event.type === 'run-queued' && event.runId !== runId, 30_000);
    const { run, detail } = await setup.waitForRunEnd(conversationId, queued.runId!);
    return { run, detail };
  }

  test('SIGKILL of the worker running a run: another online worker of the project continues it once (partial + continuation, no delta twice, no seq gap)', async (t) => {
    const { running, other, conversationId, sse, runId } = await heldRunOnOneOfTwo('pair', ['Partial', ' text', ' from the lost worker']);
    setup.upstream.enqueue({ kind: 'stream', chunks: [{ text: ', continued' }, { text: ' elsewhere.' }] });
    const killedAt = Date.now();
    assert.deepEqual(await running.kill('SIGKILL'), { code: null, signal: 'SIGKILL' });
    const interrupted = await sse.waitFor((event) => event.type === 'run-interrupted' && event.runId === runId, 30_000);
    const interruptedMs = Date.now() - killedAt;
    assert.equal((interrupted.data as { run: { status: string } }).run.status, 'interrupted');
    const { run: continued, detail } = await continuation(sse, conversationId, runId);
    const continuedMs = Date.now() - killedAt;
    assert.equal(continued.status, 'completed');
    assert.equal(continued.trigger, 'continue');
    assert.ok(other.stderr().includes(continued.id), 'the continue run executed on the other worker');
    assert.deepEqual(detail.messages.map((message: any) => [message.role, textOf(message), message.status]), [
      ['user', 'Tell me', 'completed'],
      ['assistant', 'Partial text, continued elsewhere.', 'completed'],
    ]);
    await sse.waitFor((event) => event.type === 'run-completed' && event.runId === continued.id);
    assert.deepEqual(deltasByRun(sse.events()), ['Partial text', ', continued elsewhere.']);
    assertSeqsWithoutGap(sse.events());
    // The continue run sent the partial message back as the assistant's turn to carry on from.
    const lastRequest = setup.upstream.requests.at(-1)!.body as { messages: { role: string }[] };
    assert.equal(lastRequest.messages.at(-1)!.role, 'assistant');
    sse.close();
    t.diagnostic(`SIGKILL → run interrupted after ${interruptedMs} ms (grace 3 s), continuation completed on the other worker after ${continuedMs} ms`);
  });

  test('graceful SIGTERM of the worker running a run: it exits 0 and hands the run back; another worker continues it', async (t) => {
    const { running, other, conversationId, sse, runId } = await heldRunOnOneOfTwo('handback', ['Begun', ' here', ' never']);
    setup.upstream.enqueue({ kind: 'stream', chunks: [{ text: ', finished' }, { text: ' there.' }] });
    const termAt = Date.now();
    assert.deepEqual(await running.kill('SIGTERM'), { code: 0, signal: null });
    const exitMs = Date.now() - termAt;
    const interrupted = await sse.waitFor((event) => event.type === 'run-interrupted' && event.runId === runId);
    assert.equal((interrupted.data as { run: { status: string } }).run.status, 'interrupted');
    const { run: continued, detail } = await continuation(sse, conversationId, runId);
    const continuedMs = Date.now() - termAt;
    assert.equal(continued.status, 'completed');
    assert.ok(other.stderr().includes(continued.id), 'the continue run executed on the other worker');
    assert.equal(textOf(detail.messages.at(-1)), 'Begun here, finished there.');
    await sse.waitFor((event) => event.type === 'run-completed' && event.runId === continued.id);
    assert.deepEqual(deltasByRun(sse.events()), ['Begun here', ', finished there.']);
    assertSeqsWithoutGap(sse.events());
    sse.close();
    t.diagnostic(`SIGTERM → worker exited 0 after ${exitMs} ms, continuation completed on the other worker after ${continuedMs} ms`);
  });

  test('graceful SIGTERM of the only worker of a project: it exits 0, the run ends interrupted with its partial, nothing is continued', async () => {
    const { token } = await setup.addWorker('alone', ['alone']);
    const worker = await setup.spawnWorker({ token, projects: { alone: await setup.projectDir('alone', {}) } });
    setup.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Only' }, { text: ' this' }, { text: ' not' }], holdAfter: 2 });
    const conversationId = await setup.conversation('alone');
    const run = await setup.send(conversationId, 'Go');
    await waitUntil(async () => textOf((await setup.detail(conversationId)).messages.at(-1) ?? { parts: [] }) === 'Only this', 20_000, () => 'the partial text');
    assert.deepEqual(await worker.kill('SIGTERM'), { code: 0, signal: null });
    const { run: ended, detail } = await setup.waitForRunEnd(conversationId, run.id);
    assert.equal(ended.status, 'interrupted');
    assert.equal(textOf(detail.messages.at(-1)), 'Only this');
    assert.deepEqual(detail.runs.map((candidate: any) => candidate.id), [run.id], 'no continue run queued');
  });

  test('stop from a client reaches the worker\'s run: it ends stopped with its partial, and the worker takes the next run', async () => {
    const { token } = await setup.addWorker('stoppable', ['stop']);
    await setup.spawnWorker({ token, projects: { stop: await setup.projectDir('stop', {}) } });
    setup.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Stopped' }, { text: ' here' }, { text: ' not' }], holdAfter: 2 });
    const conversationId = await setup.conversation('stop');
    const run = await setup.send(conversationId, 'Go');
    await waitUntil(async () => textOf((await setup.detail(conversationId)).messages.at(-1) ?? { parts: [] }) === 'Stopped here', 20_000, () => 'the partial text');
    const stopped = await setup.request('POST', `/v1/conversations/${conversationId}/stop`, {});
    assert.equal(stopped.status, 200);
    assert.equal(stopped.body.run.id, run.id);
    assert.equal(stopped.body.run.status, 'stopped');
    const detail = await setup.detail(conversationId);
    assert.equal(textOf(detail.messages.at(-1)), 'Stopped here');
    assert.equal(detail.messages.at(-1).status, 'stopped');
    setup.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Next.' }] });
    const next = await setup.send(conversationId, 'Again');
    const { run: nextEnded, detail: after } = await setup.waitForRunEnd(conversationId, next.id);
    assert.equal(nextEnded.status, 'completed');
    assert.equal(textOf(after.messages.at(-1)), 'Next.');
  });

  test('a stalled connection (the link stops forwarding, nothing closes) is found by heartbeats and handled as a network loss', async (t) => {
    const { token } = await setup.addWorker('stalled', ['stall']);
    const proxy = await startTcpProxy(new URL(setup.server.url).port);
    try {
      const worker = await setup.spawnWorker({ token, projects: { stall: await setup.projectDir('stall', {}) }, serverUrl: proxy.url });
      setup.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Said' }, { text: ' this' }, { text: ' lost' }], holdAfter: 2 });
      const conversationId = await setup.conversation('stall');
      const run = await setup.send(conversationId, 'Go');
      await waitUntil(async () => textOf((await setup.detail(conversationId)).messages.at(-1) ?? { parts: [] }) === 'Said this', 20_000, () => 'the partial text');
      const online = async () => (await setup.request('GET', '/v1/workers')).body.workers.find((entry: any) => entry.name === 'stalled').online;
      assert.equal(await online(), true);
      const stalledAt = Date.now();
      proxy.stall();
      await waitUntil(async () => !(await online()), 30_000, () => 'the server counting the stalled worker offline');
      const detectedMs = Date.now() - stalledAt;
      const { run: ended, detail } = await setup.waitForRunEnd(conversationId, run.id);
      const endedMs = Date.now() - stalledAt;
      assert.equal(ended.status, 'interrupted');
      assert.equal(textOf(detail.messages.at(-1)), 'Said this');
      proxy.restore();
      await waitUntil(() => /no longer holds a run/.test(worker.stderr()), 30_000, () => `the worker told it is fenced; stderr: ${worker.stderr()}`);
      await waitUntil(online, 30_000, () => 'the worker back online');
      assert.equal(textOf((await setup.detail(conversationId)).messages.at(-1)), 'Said this', 'nothing the stalled worker sent later was appended');
      t.diagnostic(`stalled link: worker counted offline after ${detectedMs} ms (heartbeat 1 s), run interrupted after ${endedMs} ms (grace 3 s)`);
    } finally {
      await proxy.close();
    }
  });
});

describe('machine workers: the run time limit', { timeout: 60_000 }, () => {
  let setup: WorkerSetup;
  before(async () => {
    setup = await startWorkerSetup({ serveArgs: ['--worker-time-limit', '2s', '--worker-heartbeat', '1s'] });
  });
  after(async () => {
    await setup?.close();
  });

  test('a run that exceeds its time limit on a worker is stopped and ends failed with time_limit, its partial kept', async (t) => {
    const { token } = await setup.addWorker('slow', ['slow']);
    await setup.spawnWorker({ token, projects: { slow: await setup.projectDir('slow', {}) } });
    setup.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Too' }, { text: ' slow' }, { text: ' never' }], holdAfter: 2 });
    const conversationId = await setup.conversation('slow');
    const sentAt = Date.now();
    const run = await setup.send(conversationId, 'Go');
    const { run: ended, detail } = await setup.waitForRunEnd(conversationId, run.id);
    assert.equal(ended.status, 'failed');
    assert.deepEqual(ended.error, { code: 'time_limit', message: 'The run took longer than its time limit (2 s) and was stopped.' });
    assert.equal(textOf(detail.messages.at(-1)), 'Too slow');
    t.diagnostic(`time limit 2 s: run ended failed ${Date.now() - sentAt} ms after it was sent`);
  });
});
