import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startWorkerSetup, textOf, type WorkerSetup } from './worker-processes.ts';

describe('machine workers (a confab serve and confab worker processes)', { timeout: 120_000 }, () => {
  let setup: WorkerSetup;
  before(async () => {
    setup = await startWorkerSetup({ serveArgs: ['--worker-wait', '4s', '--worker-grace', '3s', '--worker-heartbeat', '1s'] });
  });
  after(async () => {
    await setup?.close();
  });

  test('a run of a worker project executes on the worker: its tools read the worker\'s directory, its events reach the server', async () => {
    const { token } = await setup.addWorker('box-a', ['alpha']);
    const dir = await setup.projectDir('alpha', { 'notes.txt': 'alpha secret notes' });
    await setup.spawnWorker({ token, projects: { alpha: dir } });
    const projects = (await setup.request('GET', '/v1/projects')).body.projects;
    assert.deepEqual(
      projects.find((project: any) => project.name === 'alpha'),
      { ...projects.find((project: any) => project.name === 'alpha'), path: '', servedBy: 'workers', workers: [{ name: 'box-a', online: true }] },
    );
    setup.upstream.enqueue(
      { kind: 'stream', chunks: [{ toolCall: { id: 'call_1', name: 'read_file', arguments: JSON.stringify({ path: 'notes.txt' }) } }] },
      { kind: 'stream', chunks: [{ text: 'The notes ' }, { text: 'say hello.' }] },
    );
    const conversationId = await setup.conversation('alpha');
    const run = await setup.send(conversationId, 'What do the notes say?');
    const { run: ended, detail } = await setup.waitForRunEnd(conversationId, run.id);
    assert.equal(ended.status, 'completed');
    const assistant = detail.messages.find((message: any) => message.role === 'assistant');
    assert.equal(textOf(assistant), 'The notes say hello.');
    const call = assistant.parts.find((part: any) => part.kind === 'tool-call');
    assert.equal(call.state.status, 'completed');
    assert.match(JSON.stringify(call.state.output), /alpha secret notes/);
    assert.equal(detail.messages[0].role, 'user');
  });
});
