import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Approval } from '../../src/domain/approval-schemas.ts';
import { nodeApi as api, startCluster, type TestCluster } from '../support/cluster-fixture.ts';
import { eventually, testToken } from '../support/server-fixture.ts';
import { openSse } from '../support/sse-client.ts';

/**
 * Approvals' expiry in a cluster (src/cluster/approval-expiry-queue.ts): the node that asked for an
 * approval dies, and the approval still expires when it is due, through another node.
 */

const cluster = await startCluster();
const skip = typeof cluster === 'string' ? cluster : false;
const auth = { authorization: `Bearer ${testToken}` };
const approvalArgs = ['--require-approval', 'read_file', '--approval-expiry', '20s'];

describe('a cluster of processes: approvals expire on a surviving node', { skip, timeout: 240_000 }, () => {
  const c = cluster as TestCluster;
  after(() => c.close());

  it('an approval asked for on A expires after A is SIGKILLed, through B (an API node without a worker), and its run then resumes', async () => {
    // A runs the run (a node with a worker); B only serves. B is up before the approval exists, so
    // only the shared expiry job (not B's start-up arming) can tell it to expire the approval.
    const [a, b] = await Promise.all([c.serve(approvalArgs), c.serve(['--no-worker', ...approvalArgs])]);
    await api(a.url, 'POST', '/v1/projects', { name: 'demo', path: c.projectDir });
    const { conversation } = await api(a.url, 'POST', '/v1/conversations', { projectName: 'demo', model: 'fake/m1' });
    c.upstream.enqueue({ kind: 'stream', chunks: [{ toolCall: { id: 'call-1', name: 'read_file', arguments: '{"path":"notes.txt"}' } }] });
    const { run } = await api(a.url, 'POST', `/v1/conversations/${conversation.id}/messages`, { content: 'Read my notes' });
    let pending: Approval | undefined;
    await eventually(async () => (pending = (await api(a.url, 'GET', `/v1/conversations/${conversation.id}`)).approvals[0]) !== undefined, 60_000, 'the approval');
    const watch = await openSse(`${b.url}/v1/conversations/${conversation.id}/events`, auth);
    assert.deepEqual(await a.kill('SIGKILL'), { code: null, signal: 'SIGKILL' });
    assert.ok(Date.now() < pending!.expiresAt, 'A died before the approval was due');

    const resolved = await watch.waitFor((event) => event.type === 'approval-resolved', 90_000);
    const expired = (resolved.data as { approval: Approval }).approval;
    assert.equal(expired.id, pending!.id);
    assert.equal(expired.status, 'expired');
    assert.equal(expired.resolvedBy, 'expiry');
    assert.ok(expired.decidedAt! >= pending!.expiresAt, 'not before it was due');
    console.log(`expired ${expired.decidedAt! - pending!.expiresAt} ms after it was due`);
    const stored = await fetch(`${b.url}/v1/conversations/${conversation.id}/approvals/${pending!.id}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'allow-once' }) });
    assert.equal(stored.status, 409, 'answering it now is refused: it expired');
    assert.match(await stored.text(), /approval_closed/);

    // The expired request refuses the tool; the run, queued again, resumes on a worker and ends.
    c.upstream.enqueue({ kind: 'stream', chunks: [{ text: 'I could not read it.' }] });
    await c.worker(approvalArgs);
    await watch.waitFor((event) => event.runId === run.id && event.type === 'run-completed', 60_000);
    const detail = await api(b.url, 'GET', `/v1/conversations/${conversation.id}`);
    const call = detail.messages[1].parts.find((part: { kind: string }) => part.kind === 'tool-call');
    assert.notEqual(call.state.status, 'completed', 'the tool did not run');
    assert.equal(detail.approvals.length, 0);
    assert.equal(watch.events().filter((event) => event.type === 'approval-resolved').length, 1, 'expired once');
    watch.close();
  });
});
