import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { StoreHarness } from './store-contract.ts';
import { conversation, message, project, richMessage, richRun, run, t0 } from './store-test-records.ts';

export function describeMessagesAndRuns(harness: StoreHarness): void {
  const { store } = harness;
  describe('messages and runs', () => {
    beforeEach(async () => {
      await store().createProject(project('alpha'));
      await store().commit({ conversations: [conversation('c1'), conversation('c2')] });
    });

    describe('messages', () => {
      it('returns messages equal to what was written, every part kind and optional field included', async () => {
        await store().commit({ messages: [message('m1', 'c1'), richMessage('m2', 'c1')] });
        assert.deepStrictEqual(await store().listMessages('c1'), [message('m1', 'c1'), richMessage('m2', 'c1')]);
      });

      it('keeps a message\'s place in the tree: a parent id, null for a first message, absent when never set', async () => {
        const messages = [message('m1', 'c1', { parentId: null }), message('m2', 'c1', { parentId: 'm1', role: 'assistant' }), message('m3', 'c1')];
        await store().commit({ messages });
        assert.deepStrictEqual(await store().listMessages('c1'), messages);
      });

      it('keeps the branch a conversation shows, and its absence', async () => {
        await store().commit({ conversations: [conversation('c1', { activeMessageId: 'm2' })] });
        assert.deepStrictEqual(await store().getConversation('c1'), conversation('c1', { activeMessageId: 'm2' }));
        await store().commit({ conversations: [conversation('c1')] });
        assert.deepStrictEqual(await store().getConversation('c1'), conversation('c1'));
      });

      it('lists no messages for an unknown or empty conversation', async () => {
        assert.deepStrictEqual(await store().listMessages('missing'), []);
        assert.deepStrictEqual(await store().listMessages('c1'), []);
      });

      it('lists only the messages of the given conversation', async () => {
        await store().commit({ messages: [message('m1', 'c1'), message('m2', 'c2'), message('m3', 'c1')] });
        assert.deepStrictEqual((await store().listMessages('c1')).map((m) => m.id), ['m1', 'm3']);
        assert.deepStrictEqual((await store().listMessages('c2')).map((m) => m.id), ['m2']);
      });

      it('orders by createdAt, then first-written order for equal createdAt', async () => {
        await store().commit({ messages: [message('m-z', 'c1', { createdAt: t0 + 2 }), message('m-b', 'c1', { createdAt: t0 + 1 })] });
        await store().commit({ messages: [message('m-a', 'c1', { createdAt: t0 + 2 }), message('m-0', 'c1', { createdAt: t0 })] });
        assert.deepStrictEqual((await store().listMessages('c1')).map((m) => m.id), ['m-0', 'm-b', 'm-z', 'm-a']);
      });

      it('upserting a message replaces it in place, keeping its position', async () => {
        await store().commit({ messages: [message('m1', 'c1'), message('m2', 'c1'), message('m3', 'c1')] });
        const edited = message('m1', 'c1', { status: 'stopped', parts: [], updatedAt: t0 + 99 });
        await store().commit({ messages: [message('m4', 'c1'), edited] });
        await store().commit({ messages: [message('m2', 'c1', { role: 'assistant' })] });
        assert.deepStrictEqual(await store().listMessages('c1'), [
          edited,
          message('m2', 'c1', { role: 'assistant' }),
          message('m3', 'c1'),
          message('m4', 'c1'),
        ]);
      });

      it('applies repeated upserts of one message within a batch in order, the last one winning', async () => {
        await store().commit({ messages: [message('m1', 'c1'), message('m2', 'c1'), message('m1', 'c1', { status: 'failed' })] });
        assert.deepStrictEqual(await store().listMessages('c1'), [message('m1', 'c1', { status: 'failed' }), message('m2', 'c1')]);
      });
    });

    it('moves a message or run upserted with another conversation id to that conversation', async () => {
      await store().commit({ messages: [message('m1', 'c1'), message('m2', 'c1')], runs: [run('r1', 'c1', { clientRequestId: 'req' })] });
      await store().commit({ messages: [message('m1', 'c2')], runs: [run('r1', 'c2', { clientRequestId: 'req' })] });
      assert.deepStrictEqual(await store().listMessages('c1'), [message('m2', 'c1')]);
      assert.deepStrictEqual(await store().listMessages('c2'), [message('m1', 'c2')]);
      assert.deepStrictEqual(await store().listRuns('c1'), []);
      assert.equal(await store().findRunByClientRequestId('c1', 'req'), undefined);
      assert.deepStrictEqual(await store().findRunByClientRequestId('c2', 'req'), run('r1', 'c2', { clientRequestId: 'req' }));
    });

    describe('runs', () => {
      it('returns runs equal to what was written, with every nullable field null or set', async () => {
        await store().commit({ runs: [run('r1', 'c1'), richRun('r2', 'c1')] });
        assert.deepStrictEqual(await store().getRun('r1'), run('r1', 'c1'));
        assert.deepStrictEqual(await store().getRun('r2'), richRun('r2', 'c1'));
      });

      it('returns undefined for an unknown run', async () => {
        assert.equal(await store().getRun('missing'), undefined);
      });

      it('lists the runs of a conversation in creation order', async () => {
        await store().commit({
          runs: [run('r-b', 'c1', { createdAt: t0 + 1 }), run('r-a', 'c1', { createdAt: t0 + 1 }), run('r-0', 'c1'), run('r-x', 'c2')],
        });
        assert.deepStrictEqual((await store().listRuns('c1')).map((r) => r.id), ['r-0', 'r-b', 'r-a']);
        assert.deepStrictEqual(await store().listRuns('c2'), [run('r-x', 'c2')]);
        assert.deepStrictEqual(await store().listRuns('missing'), []);
      });

      it('filters runs of a conversation by status; an empty status list matches nothing', async () => {
        await store().commit({
          runs: [run('r1', 'c1', { status: 'completed' }), run('r2', 'c1', { status: 'running' }), run('r3', 'c1'), run('r4', 'c2', { status: 'running' })],
        });
        assert.deepStrictEqual((await store().listRuns('c1', ['running', 'queued'])).map((r) => r.id), ['r2', 'r3']);
        assert.deepStrictEqual((await store().listRuns('c1', ['completed'])).map((r) => r.id), ['r1']);
        assert.deepStrictEqual(await store().listRuns('c1', ['failed']), []);
        assert.deepStrictEqual(await store().listRuns('c1', []), []);
      });

      it('upserting a run replaces it in place, keeping its creation position', async () => {
        await store().commit({ runs: [run('r1', 'c1'), run('r2', 'c1')] });
        const finished = run('r1', 'c1', { status: 'completed', finishReason: 'stop', attempts: 1, steps: 1, startedAt: t0 + 1, endedAt: t0 + 2 });
        await store().commit({ runs: [finished] });
        assert.deepStrictEqual(await store().listRuns('c1'), [finished, run('r2', 'c1')]);
      });

      it('finds a run by client request id within its conversation only', async () => {
        await store().commit({ runs: [run('r1', 'c1', { clientRequestId: 'req-1' }), run('r2', 'c1'), run('r3', 'c2', { clientRequestId: 'req-3' })] });
        assert.deepStrictEqual(await store().findRunByClientRequestId('c1', 'req-1'), run('r1', 'c1', { clientRequestId: 'req-1' }));
        assert.equal(await store().findRunByClientRequestId('c2', 'req-1'), undefined);
        assert.equal(await store().findRunByClientRequestId('c1', 'req-3'), undefined);
        assert.equal(await store().findRunByClientRequestId('c1', 'nope'), undefined);
      });

      it('follows a run whose client request id changes on upsert', async () => {
        await store().commit({ runs: [run('r1', 'c1', { clientRequestId: 'req-old' })] });
        await store().commit({ runs: [run('r1', 'c1', { clientRequestId: 'req-new' })] });
        assert.equal(await store().findRunByClientRequestId('c1', 'req-old'), undefined);
        assert.deepStrictEqual(await store().findRunByClientRequestId('c1', 'req-new'), run('r1', 'c1', { clientRequestId: 'req-new' }));
        await store().commit({ runs: [run('r2', 'c1', { clientRequestId: 'req-old' })] });
        assert.equal((await store().findRunByClientRequestId('c1', 'req-old'))?.id, 'r2');
      });

      it('rejects a second run with the same client request id in one conversation, writing nothing', async () => {
        await store().commit({ runs: [run('r1', 'c1', { clientRequestId: 'req' })] });
        await assert.rejects(store().commit({ messages: [message('m1', 'c1')], runs: [run('r2', 'c1', { clientRequestId: 'req' })] }));
        assert.deepStrictEqual(await store().listRuns('c1'), [run('r1', 'c1', { clientRequestId: 'req' })]);
        assert.deepStrictEqual(await store().listMessages('c1'), []);
        await store().commit({ runs: [run('r3', 'c2', { clientRequestId: 'req' }), run('r4', 'c1'), run('r5', 'c1')] });
        assert.equal((await store().findRunByClientRequestId('c2', 'req'))?.id, 'r3');
      });

      it('lists runs in the given statuses across conversations, in creation order', async () => {
        await store().commit({
          runs: [
            run('r1', 'c2', { status: 'running', createdAt: t0 + 5 }),
            run('r2', 'c1', { status: 'completed' }),
            run('r3', 'c1', { status: 'queued', createdAt: t0 + 5 }),
            run('r4', 'c2', { status: 'running', createdAt: t0 + 1 }),
            run('r5', 'c1', { status: 'interrupted' }),
          ],
        });
        assert.deepStrictEqual((await store().listRunsByStatus(['running', 'queued'])).map((r) => r.id), ['r4', 'r1', 'r3']);
        assert.deepStrictEqual(await store().listRunsByStatus(['interrupted']), [run('r5', 'c1', { status: 'interrupted' })]);
        assert.deepStrictEqual(await store().listRunsByStatus(['stopped']), []);
        assert.deepStrictEqual(await store().listRunsByStatus([]), []);
      });
    });
  });
}
