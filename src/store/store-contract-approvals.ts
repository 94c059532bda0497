import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { StoreHarness } from './store-contract.ts';
import { approval, conversation, project, run, t0 } from './store-test-records.ts';

/** Approvals and the remembered answers ("always") a conversation keeps. */
export function describeApprovals({ store }: StoreHarness): void {
  describe('approvals', () => {
    beforeEach(async () => {
      await store().createProject(project('alpha'));
      await store().commit({ conversations: [conversation('c1'), conversation('c2')], runs: [run('r1', 'c1'), run('r2', 'c2')] });
    });

    it('returns an approval equal to what was written, and undefined for an unknown id', async () => {
      await store().commit({ approvals: [approval('a1', 'c1')] });
      assert.deepStrictEqual(await store().getApproval('a1'), approval('a1', 'c1'));
      assert.equal(await store().getApproval('nope'), undefined);
    });

    it('settling an approval replaces it in place and keeps its position', async () => {
      await store().commit({ approvals: [approval('a1', 'c1'), approval('a2', 'c1')] });
      const allowed = approval('a1', 'c1', { status: 'allowed', decision: 'allow-always', resolvedBy: 'user', note: 'fine ✓', decidedAt: t0 + 5 });
      await store().commit({ approvals: [allowed] });
      assert.deepStrictEqual(await store().listApprovals('c1'), [allowed, approval('a2', 'c1')]);
      assert.deepStrictEqual(await store().getApproval('a1'), allowed);
    });

    it('lists a conversation\'s approvals in request order, filtered by status', async () => {
      await store().commit({
        approvals: [
          approval('a1', 'c1', { requestedAt: t0 + 2 }),
          approval('a2', 'c1', { requestedAt: t0 + 1, status: 'expired', resolvedBy: 'expiry', decidedAt: t0 + 3 }),
          approval('a3', 'c1', { requestedAt: t0 + 2 }),
          approval('a4', 'c2', { runId: 'r2' }),
        ],
      });
      assert.deepStrictEqual((await store().listApprovals('c1')).map((a) => a.id), ['a2', 'a1', 'a3']);
      assert.deepStrictEqual((await store().listApprovals('c1', ['pending'])).map((a) => a.id), ['a1', 'a3']);
      assert.deepStrictEqual(await store().listApprovals('c1', []), []);
      assert.deepStrictEqual(await store().listApprovals('c-none'), []);
    });

    it('lists approvals by status across conversations, in request order', async () => {
      await store().commit({
        approvals: [
          approval('a1', 'c1', { requestedAt: t0 + 3 }),
          approval('a2', 'c2', { runId: 'r2', requestedAt: t0 + 1 }),
          approval('a3', 'c1', { requestedAt: t0 + 2, status: 'denied', decision: 'deny', resolvedBy: 'user', decidedAt: t0 + 4 }),
        ],
      });
      assert.deepStrictEqual((await store().listApprovalsByStatus(['pending'])).map((a) => a.id), ['a2', 'a1']);
      assert.deepStrictEqual((await store().listApprovalsByStatus(['denied', 'pending'])).map((a) => a.id), ['a2', 'a3', 'a1']);
      assert.deepStrictEqual(await store().listApprovalsByStatus([]), []);
    });

    it('deleting a conversation deletes its approvals and no others', async () => {
      await store().commit({ approvals: [approval('a1', 'c1'), approval('a2', 'c2', { runId: 'r2' })] });
      await store().deleteConversation('c1');
      assert.equal(await store().getApproval('a1'), undefined);
      assert.deepStrictEqual(await store().listApprovalsByStatus(['pending']), [approval('a2', 'c2', { runId: 'r2' })]);
      await store().deleteProject('alpha');
      assert.deepStrictEqual(await store().listApprovalsByStatus(['pending']), []);
    });

    it('writes nothing when an approval refers to a missing conversation', async () => {
      await assert.rejects(store().commit({ runs: [run('r1', 'c1', { status: 'requires-action' })], approvals: [approval('a1', 'c1'), approval('a2', 'c-missing')] }));
      assert.deepStrictEqual(await store().listApprovals('c1'), []);
      assert.equal((await store().getRun('r1'))?.status, 'queued');
    });

    it('keeps a conversation\'s remembered answers, and a conversation without any has no such field', async () => {
      const remembering = conversation('c1', { toolRules: { write_file: 'allow', run_shell: 'deny' } });
      await store().commit({ conversations: [remembering] });
      assert.deepStrictEqual(await store().getConversation('c1'), remembering);
      const plain = await store().getConversation('c2');
      assert.deepStrictEqual(plain, conversation('c2'));
      assert.equal('toolRules' in plain!, false);
      assert.deepStrictEqual((await store().listConversations({ limit: 10 })).find((c) => c.id === 'c1'), { ...remembering, messageCount: 0 });
    });
  });
}
