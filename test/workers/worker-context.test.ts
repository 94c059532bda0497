import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startWorkerSetup, type WorkerSetup } from './worker-processes.ts';

describe('machine workers: files attached to a message are read in the worker\'s directory', { timeout: 120_000 }, () => {
  let setup: WorkerSetup;
  before(async () => {
    setup = await startWorkerSetup({ serveArgs: ['--worker-heartbeat', '1s'] });
  });
  after(async () => {
    await setup?.close();
  });

  const sendWithContext = (conversationId: string, context: unknown[]) => setup.request('POST', `/v1/conversations/${conversationId}/messages`, { content: 'Look at this', context });

  test('a worker-only project: the attached lines come from the worker\'s file, and the model gets them', async () => {
    const { token } = await setup.addWorker('ctx-box', ['ctx']);
    const dir = await setup.projectDir('ctx', {});
    await mkdir(join(dir, 'src'));
    await writeFile(join(dir, 'src', 'app.ts'), 'line one\nline two\nline three\nline four\n');
    await setup.spawnWorker({ token, projects: { ctx: dir } });
    const conversationId = await setup.conversation('ctx');
    setup.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Seen.' }] });
    const sent = await sendWithContext(conversationId, [{ path: 'src/app.ts', range: { start: 2, end: 3 } }]);
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const { run, detail } = await setup.waitForRunEnd(conversationId, sent.body.run.id);
    assert.equal(run.status, 'completed');
    const [context] = detail.messages[0].parts.filter((part: any) => part.kind === 'context');
    assert.deepEqual({ ...context, id: undefined }, { id: undefined, kind: 'context', path: 'src/app.ts', content: 'line two\nline three\n', range: { start: 2, end: 3 } });
    assert.match(context.id, /^part_/);
    assert.match(JSON.stringify(setup.upstream.requests.at(-1)!.body), /line two\\nline three/);
  });

  test('a project with a directory on the server that workers serve: the worker\'s copy is attached, not the server\'s', async () => {
    const serverDir = await setup.projectDir('both-on-server', { 'same.txt': 'the server copy\n' });
    assert.equal((await setup.request('POST', '/v1/projects', { name: 'both', path: serverDir })).status, 201);
    const { token } = await setup.addWorker('both-box', ['both']);
    await setup.spawnWorker({ token, projects: { both: await setup.projectDir('both', { 'same.txt': 'the worker copy\n' }) } });
    const conversationId = await setup.conversation('both');
    setup.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'Ok.' }] });
    const sent = await sendWithContext(conversationId, [{ path: 'same.txt' }]);
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    assert.equal(sent.body.message.parts[0].content, 'the worker copy\n');
    await setup.waitForRunEnd(conversationId, sent.body.run.id);
  });

  test('a file missing on the worker, or a path leading out of its directory, is refused with the worker\'s reason, and nothing is queued', async () => {
    const { token } = await setup.addWorker('ctx-missing', ['ctx-missing']);
    await setup.spawnWorker({ token, projects: { 'ctx-missing': await setup.projectDir('ctx-missing', {}) } });
    const conversationId = await setup.conversation('ctx-missing');
    const missing = await sendWithContext(conversationId, [{ path: 'nope.txt' }]);
    assert.deepEqual([missing.status, missing.body.error.code, missing.body.error.message], [404, 'not_found', 'No such file or directory: nope.txt']);
    const outside = await sendWithContext(conversationId, [{ path: '../../etc/passwd' }]);
    assert.equal(outside.status, 400, JSON.stringify(outside.body));
    assert.equal((await setup.detail(conversationId)).runs.length, 0);
  });

  test('with no worker online: attached files are refused with worker_unavailable; text the client attached itself is accepted and waits', async () => {
    await setup.addWorker('ctx-offline', ['ctx-offline']);
    const conversationId = await setup.conversation('ctx-offline');
    const refused = await sendWithContext(conversationId, [{ path: 'a.txt' }]);
    assert.deepEqual([refused.status, refused.body.error.code], [503, 'worker_unavailable']);
    assert.equal(refused.body.error.message, 'No machine worker of project ctx-offline is online to read the attached files from; attach their text instead, or send again when one is online.');
    const accepted = await sendWithContext(conversationId, [{ path: 'a.txt', content: 'pasted by the client' }]);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    assert.equal(accepted.body.message.parts[0].content, 'pasted by the client');
    assert.equal(accepted.body.run.status, 'queued');
  });
});
