import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { Message, Run } from '../domain/schemas.ts';
import type { StoreHarness } from './store-contract.ts';
import { conversation, message, project, richMessage, richRun, run, t0 } from './store-test-records.ts';

export function describeBatches(harness: StoreHarness): void {
  const { store } = harness;
  describe('batches', () => {
    beforeEach(async () => {
      await store().createProject(project('alpha'));
      await store().commit({ conversations: [conversation('c1')], messages: [message('m1', 'c1')], runs: [run('r1', 'c1')], lastSeq: { c1: 5 } });
    });

    /** Everything the beforeEach wrote, unchanged. */
    async function assertUntouched(): Promise<void> {
      assert.deepStrictEqual(await store().listConversations({ limit: 10 }), [{ ...conversation('c1'), messageCount: 1 }]);
      assert.deepStrictEqual(await store().listMessages('c1'), [message('m1', 'c1')]);
      assert.deepStrictEqual(await store().listRuns('c1'), [run('r1', 'c1')]);
      assert.equal(await store().getLastSeq('c1'), 5);
    }

    describe('atomicity', () => {
      it('writes a conversation with its messages and runs in one batch', async () => {
        await store().commit({ conversations: [conversation('c2')], messages: [message('m2', 'c2')], runs: [run('r2', 'c2')], lastSeq: { c2: 1 } });
        assert.deepStrictEqual(await store().listMessages('c2'), [message('m2', 'c2')]);
        assert.deepStrictEqual(await store().listRuns('c2'), [run('r2', 'c2')]);
        assert.equal(await store().getLastSeq('c2'), 1);
      });

      it('accepts an empty batch', async () => {
        await store().commit({});
        await store().commit({ conversations: [], messages: [], runs: [], lastSeq: {} });
        await assertUntouched();
      });

      it('writes nothing when a message refers to a missing conversation', async () => {
        const batch = {
          conversations: [conversation('c1', { title: 'changed' }), conversation('c2')],
          messages: [message('m1', 'c1', { status: 'failed' as const }), message('m2', 'c2'), message('m3', 'c-missing')],
          runs: [run('r2', 'c2')],
          lastSeq: { c1: 6 },
        };
        await assert.rejects(store().commit(batch));
        await assertUntouched();
        assert.equal(await store().getConversation('c2'), undefined);
        assert.equal(await store().getRun('r2'), undefined);
      });

      it('writes nothing when a run refers to a missing conversation', async () => {
        const batch = { messages: [message('m2', 'c1')], runs: [run('r1', 'c1', { status: 'running' as const }), run('r2', 'c-missing')] };
        await assert.rejects(store().commit(batch));
        await assertUntouched();
      });

      it('writes nothing when a conversation refers to a missing project', async () => {
        const batch = { conversations: [conversation('c2'), conversation('c3', { projectName: 'ghost' })], messages: [message('m2', 'c1')] };
        await assert.rejects(store().commit(batch));
        await assertUntouched();
        assert.equal(await store().getConversation('c2'), undefined);
      });

      it('writes nothing when lastSeq names a missing conversation', async () => {
        await assert.rejects(store().commit({ messages: [message('m2', 'c1')], lastSeq: { c1: 8, 'c-missing': 3 } }));
        await assertUntouched();
      });
    });

    describe('lastSeq', () => {
      it('is 0 for an unknown conversation and for one never given a seq', async () => {
        await store().commit({ conversations: [conversation('c2')] });
        assert.equal(await store().getLastSeq('missing'), 0);
        assert.equal(await store().getLastSeq('c2'), 0);
      });

      it('is set per conversation by batch.lastSeq, and kept across conversation upserts', async () => {
        await store().commit({ conversations: [conversation('c2')], lastSeq: { c1: 40, c2: 7 } });
        await store().commit({ conversations: [conversation('c1', { title: 'again' })] });
        assert.equal(await store().getLastSeq('c1'), 40);
        assert.equal(await store().getLastSeq('c2'), 7);
      });
    });

    describe('copies', () => {
      it('is not changed by mutating records after writing them', async () => {
        const written = { project: project('beta'), conversation: conversation('c2', { projectName: 'beta' }), message: richMessage('m2', 'c2'), run: richRun('r2', 'c2') };
        await store().createProject(written.project);
        await store().commit({ conversations: [written.conversation], messages: [written.message], runs: [written.run] });
        written.project.path = '/mutated';
        written.conversation.title = 'mutated';
        written.conversation.usage.inputTokens = 999;
        mutateMessage(written.message);
        mutateRun(written.run);
        assert.deepStrictEqual(await store().getProject('beta'), project('beta'));
        assert.deepStrictEqual(await store().getConversation('c2'), conversation('c2', { projectName: 'beta' }));
        assert.deepStrictEqual(await store().listMessages('c2'), [richMessage('m2', 'c2')]);
        assert.deepStrictEqual(await store().getRun('r2'), richRun('r2', 'c2'));
      });

      it('takes its copy of a batch when commit is called: mutating the records before it resolves changes nothing', async () => {
        const written = { conversation: conversation('c2'), message: richMessage('m2', 'c2'), run: richRun('r2', 'c2') };
        const committed = store().commit({ conversations: [written.conversation], messages: [written.message], runs: [written.run], lastSeq: { c2: 4 } });
        written.conversation.title = 'mutated';
        mutateMessage(written.message);
        mutateRun(written.run);
        await committed;
        assert.deepStrictEqual(await store().getConversation('c2'), conversation('c2'));
        assert.deepStrictEqual(await store().listMessages('c2'), [richMessage('m2', 'c2')]);
        assert.deepStrictEqual(await store().getRun('r2'), richRun('r2', 'c2'));
        assert.equal(await store().getLastSeq('c2'), 4);
      });

      it('is not changed by mutating records it returned', async () => {
        await store().commit({ messages: [richMessage('m2', 'c1')], runs: [richRun('r2', 'c1')] });
        (await store().getProject('alpha'))!.path = '/mutated';
        (await store().listProjects())[0].path = '/mutated';
        (await store().getConversation('c1'))!.usage.outputTokens = 999;
        const summary = (await store().listConversations({ limit: 1 }))[0];
        summary.title = 'mutated';
        summary.messageCount = 999;
        for (const returned of await store().listMessages('c1')) mutateMessage(returned);
        mutateRun((await store().getRun('r2'))!);
        for (const returned of await store().listRuns('c1')) mutateRun(returned);
        mutateRun((await store().findRunByClientRequestId('c1', 'req-rich'))!);
        for (const returned of await store().listRunsByStatus(['queued', 'failed'])) mutateRun(returned);

        assert.deepStrictEqual(await store().listProjects(), [project('alpha')]);
        assert.deepStrictEqual(await store().listConversations({ limit: 1 }), [{ ...conversation('c1'), messageCount: 2 }]);
        assert.deepStrictEqual(await store().listMessages('c1'), [message('m1', 'c1'), richMessage('m2', 'c1')]);
        assert.deepStrictEqual(await store().listRuns('c1'), [run('r1', 'c1'), richRun('r2', 'c1')]);
      });
    });

    describe('init', () => {
      it('is idempotent: a second init keeps every record', async () => {
        await store().init();
        await store().init();
        await assertUntouched();
        assert.deepStrictEqual(await store().listProjects(), [project('alpha')]);
        await store().commit({ messages: [message('m2', 'c1', { createdAt: t0 + 1 })] });
        assert.deepStrictEqual((await store().listMessages('c1')).map((m) => m.id), ['m1', 'm2']);
      });
    });
  });
}

function mutateMessage(message: Message): void {
  message.status = 'failed';
  message.parts.push({ id: 'extra', kind: 'text', text: 'extra' });
  const first = message.parts[0];
  if (first.kind === 'text' || first.kind === 'reasoning') first.text = 'mutated';
  const call = message.parts.find((part) => part.kind === 'tool-call');
  if (call && typeof call.state.input === 'object' && call.state.input !== null) (call.state.input as Record<string, unknown>).path = 'mutated';
  if (message.usage) message.usage.inputTokens = -1;
}

function mutateRun(run: Run): void {
  run.status = 'running';
  run.usage.outputTokens = -1;
  if (run.input) mutateMessage(run.input);
  if (run.error) run.error.message = 'mutated';
  if (run.cost) run.cost.amount = -1;
}
