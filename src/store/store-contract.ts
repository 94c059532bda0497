import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Store } from './store.ts';
import { describeApprovals } from './store-contract-approvals.ts';
import { describeBatches } from './store-contract-batches.ts';
import { describeMessagesAndRuns } from './store-contract-messages-runs.ts';
import { describeSearch } from './store-contract-search.ts';
import { conversation, message, project, run, t0 } from './store-test-records.ts';

/** Gives each test the store made for it (fresh, empty, initialised). */
export type StoreHarness = { store(): Store };

/**
 * Registers the Store contract (see store.ts) as node:test suites, run against stores from `makeStore`.
 * Each test gets a new, empty store; the suite calls init() before and close() after.
 */
export function runStoreContract(name: string, makeStore: () => Promise<Store> | Store): void {
  describe(`Store contract: ${name}`, () => {
    let current: Store | undefined;
    beforeEach(async () => {
      current = await makeStore();
      await current.init();
    });
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });
    const harness: StoreHarness = {
      store: () => {
        assert.ok(current, 'store not made');
        return current;
      },
    };
    describeProjects(harness);
    describeConversations(harness);
    describeMessagesAndRuns(harness);
    describeBatches(harness);
    describeApprovals(harness);
    describeSearch(harness);
  });
}

function describeProjects({ store }: StoreHarness): void {
  describe('projects', () => {
    it('returns a created project equal to what was written', async () => {
      await store().createProject(project('alpha'));
      assert.deepStrictEqual(await store().getProject('alpha'), project('alpha'));
    });

    it('returns undefined for an unknown project', async () => {
      assert.equal(await store().getProject('nope'), undefined);
    });

    it('lists projects ordered by name', async () => {
      for (const name of ['beta', 'Alpha-2', 'alpha', 'a_1']) await store().createProject(project(name));
      const names = (await store().listProjects()).map((p) => p.name);
      assert.deepStrictEqual(names, ['Alpha-2', 'a_1', 'alpha', 'beta']);
      assert.deepStrictEqual((await store().listProjects())[2], project('alpha'));
    });

    it('lists no projects when there are none', async () => {
      assert.deepStrictEqual(await store().listProjects(), []);
    });

    it('rejects a second project with the same name and keeps the first', async () => {
      await store().createProject(project('alpha'));
      await assert.rejects(store().createProject(project('alpha', { path: '/elsewhere' })));
      assert.deepStrictEqual(await store().listProjects(), [project('alpha')]);
    });

    it('deletes a project: true the first time, false after', async () => {
      await store().createProject(project('alpha'));
      assert.equal(await store().deleteProject('alpha'), true);
      assert.equal(await store().getProject('alpha'), undefined);
      assert.equal(await store().deleteProject('alpha'), false);
    });

    it('deleting a project deletes its conversations, their messages, runs and seq, and nothing else', async () => {
      await store().createProject(project('alpha'));
      await store().createProject(project('beta'));
      await store().commit({
        conversations: [conversation('c1'), conversation('c2', { projectName: 'beta' })],
        messages: [message('m1', 'c1'), message('m2', 'c2')],
        runs: [run('r1', 'c1', { clientRequestId: 'req' }), run('r2', 'c2', { status: 'running' })],
        lastSeq: { c1: 4, c2: 9 },
      });
      assert.equal(await store().deleteProject('alpha'), true);
      assert.equal(await store().getConversation('c1'), undefined);
      assert.deepStrictEqual(await store().listMessages('c1'), []);
      assert.equal(await store().getRun('r1'), undefined);
      assert.deepStrictEqual(await store().listRuns('c1'), []);
      assert.equal(await store().findRunByClientRequestId('c1', 'req'), undefined);
      assert.equal(await store().getLastSeq('c1'), 0);
      assert.deepStrictEqual(await store().listConversations({ limit: 10 }), [{ ...conversation('c2', { projectName: 'beta' }), messageCount: 1 }]);
      assert.deepStrictEqual(await store().listMessages('c2'), [message('m2', 'c2')]);
      assert.deepStrictEqual(await store().listRunsByStatus(['queued', 'running']), [run('r2', 'c2', { status: 'running' })]);
      assert.equal(await store().getLastSeq('c2'), 9);
    });
  });
}

function describeConversations({ store }: StoreHarness): void {
  describe('conversations', () => {
    beforeEach(async () => {
      await store().createProject(project('alpha'));
      await store().createProject(project('beta'));
    });

    it('returns a committed conversation equal to what was written, with and without cost', async () => {
      const priced = conversation('c2', {
        busyPolicy: 'interrupt',
        usage: { inputTokens: 5, outputTokens: 6, reasoningTokens: 1, cachedInputTokens: 2, estimated: false },
        cost: { amount: 1.25, currency: 'USD', estimated: true },
        systemPrompt: '',
      });
      await store().commit({ conversations: [conversation('c1'), priced] });
      assert.deepStrictEqual(await store().getConversation('c1'), conversation('c1'));
      assert.deepStrictEqual(await store().getConversation('c2'), priced);
    });

    it('returns undefined for an unknown conversation', async () => {
      assert.equal(await store().getConversation('missing'), undefined);
    });

    it('upserting a conversation replaces its fields and keeps its messages and seq', async () => {
      await store().commit({ conversations: [conversation('c1')], messages: [message('m1', 'c1')], lastSeq: { c1: 3 } });
      const renamed = conversation('c1', { title: 'Renamed', updatedAt: t0 + 50, cost: { amount: 2, currency: 'USD', estimated: false } });
      await store().commit({ conversations: [renamed] });
      assert.deepStrictEqual(await store().getConversation('c1'), renamed);
      assert.deepStrictEqual(await store().listMessages('c1'), [message('m1', 'c1')]);
      assert.equal(await store().getLastSeq('c1'), 3);
    });

    it('deletes a conversation with its messages and runs: true the first time, false after', async () => {
      await store().commit({
        conversations: [conversation('c1'), conversation('c2')],
        messages: [message('m1', 'c1'), message('m2', 'c2')],
        runs: [run('r1', 'c1', { clientRequestId: 'req' }), run('r2', 'c2')],
        lastSeq: { c1: 2 },
      });
      assert.equal(await store().deleteConversation('c1'), true);
      assert.equal(await store().getConversation('c1'), undefined);
      assert.deepStrictEqual(await store().listMessages('c1'), []);
      assert.equal(await store().getRun('r1'), undefined);
      assert.equal(await store().findRunByClientRequestId('c1', 'req'), undefined);
      assert.deepStrictEqual(await store().listRunsByStatus(['queued']), [run('r2', 'c2')]);
      assert.equal(await store().getLastSeq('c1'), 0);
      assert.deepStrictEqual(await store().listMessages('c2'), [message('m2', 'c2')]);
      assert.equal(await store().deleteConversation('c1'), false);
      assert.deepStrictEqual(await store().getProject('alpha'), project('alpha'));
    });

    it('a conversation re-created under a deleted id starts empty and may reuse client request ids', async () => {
      await store().commit({ conversations: [conversation('c1')], messages: [message('m1', 'c1')], runs: [run('r1', 'c1', { clientRequestId: 'req' })] });
      await store().deleteConversation('c1');
      await store().commit({ conversations: [conversation('c1')], runs: [run('r2', 'c1', { clientRequestId: 'req' })] });
      assert.deepStrictEqual(await store().listMessages('c1'), []);
      assert.deepStrictEqual(await store().listRuns('c1'), [run('r2', 'c1', { clientRequestId: 'req' })]);
      assert.equal(await store().getLastSeq('c1'), 0);
    });

    it('lists summaries newest updatedAt first, with exact message counts', async () => {
      await store().commit({
        conversations: [conversation('c1', { updatedAt: t0 + 10 }), conversation('c2', { updatedAt: t0 + 30 }), conversation('c3', { updatedAt: t0 + 20 })],
        messages: [message('m1', 'c1'), message('m2', 'c1'), message('m3', 'c2'), message('m4', 'c1')],
      });
      assert.deepStrictEqual(await store().listConversations({ limit: 10 }), [
        { ...conversation('c2', { updatedAt: t0 + 30 }), messageCount: 1 },
        { ...conversation('c3', { updatedAt: t0 + 20 }), messageCount: 0 },
        { ...conversation('c1', { updatedAt: t0 + 10 }), messageCount: 3 },
      ]);
    });

    it('filters summaries by project', async () => {
      await store().commit({
        conversations: [conversation('a1'), conversation('b1', { projectName: 'beta', updatedAt: t0 + 1 }), conversation('a2', { updatedAt: t0 + 2 })],
      });
      const ids = async (projectName?: string) => (await store().listConversations({ projectName, limit: 10 })).map((c) => c.id);
      assert.deepStrictEqual(await ids('alpha'), ['a2', 'a1']);
      assert.deepStrictEqual(await ids('beta'), ['b1']);
      assert.deepStrictEqual(await ids('nobody'), []);
      assert.deepStrictEqual(await ids(), ['a2', 'b1', 'a1']);
    });

    it('pages with limit and an exclusive before', async () => {
      const all = [1, 2, 3, 4, 5].map((n) => conversation(`c${n}`, { updatedAt: t0 + n * 10 }));
      await store().commit({ conversations: all });
      const page = async (before?: number) => (await store().listConversations({ limit: 2, before })).map((c) => c.id);
      assert.deepStrictEqual(await page(), ['c5', 'c4']);
      assert.deepStrictEqual(await page(t0 + 40), ['c3', 'c2']);
      assert.deepStrictEqual(await page(t0 + 20), ['c1']);
      assert.deepStrictEqual(await page(t0 + 10), []);
      assert.deepStrictEqual(await page(t0 + 45), ['c4', 'c3']);
      const inAlpha = await store().listConversations({ projectName: 'alpha', limit: 1, before: t0 + 30 });
      assert.deepStrictEqual(inAlpha, [{ ...all[1], messageCount: 0 }]);
    });

    it('returns nothing for limit 0', async () => {
      await store().commit({ conversations: [conversation('c1')] });
      assert.deepStrictEqual(await store().listConversations({ limit: 0 }), []);
    });

    it('orders conversations with equal updatedAt by id, descending', async () => {
      await store().commit({ conversations: [conversation('c-b'), conversation('c-c'), conversation('c-a')] });
      const ids = (await store().listConversations({ limit: 10 })).map((c) => c.id);
      assert.deepStrictEqual(ids, ['c-c', 'c-b', 'c-a']);
    });
  });
}
