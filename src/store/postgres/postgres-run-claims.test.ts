import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { ConfabError } from '../../domain/errors.ts';
import { conversation, message, project, run, t0 } from '../store-test-records.ts';
import { PostgresStore } from './postgres-store.ts';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from './postgres-test-database.ts';

/** Run claims, fenced commits, stop requests and idempotent sends (run-claims.ts), on a real Postgres. */

const skip = await postgresUnavailable();
let database: TestDatabase | undefined;
let schemas = 0;
after(async () => database?.drop());

const staleFence = (error: unknown) => ConfabError.is(error, 'stale_fence');

describe('PostgresStore run claims', { skip }, () => {
  let store: PostgresStore;
  /** A second store on the same schema: another node of the cluster. */
  let other: PostgresStore;
  let clock: number;

  beforeEach(async () => {
    database ??= await createTestDatabase('confab_test_claims');
    const schema = `claims_${++schemas}`;
    clock = t0 + 1000;
    store = new PostgresStore({ pool: await database.pool({ schema }), now: () => clock });
    other = new PostgresStore({ pool: await database.pool({ schema }), now: () => clock });
    await store.init();
    await other.init();
    await store.createProject(project('alpha'));
    await store.commit({ conversations: [conversation('c1')], runs: [run('r1', 'c1'), run('r2', 'c1')] });
  });
  afterEach(async () => {
    await store.close();
    await other.close();
  });

  describe('claimRun', () => {
    it('starts at 0 and raises the attempt by one per claim, per run', async () => {
      assert.deepEqual(await store.getRunClaim('r1'), { attempt: 0, stopRequestedAt: null });
      assert.deepEqual(await store.claimRun('r1'), { attempt: 1, stopRequestedAt: null });
      assert.deepEqual(await other.claimRun('r1'), { attempt: 2, stopRequestedAt: null });
      assert.deepEqual(await store.getRunClaim('r1'), { attempt: 2, stopRequestedAt: null });
      assert.deepEqual(await store.getRunClaim('r2'), { attempt: 0, stopRequestedAt: null });
    });

    it('answers undefined for an unknown run', async () => {
      assert.equal(await store.claimRun('nope'), undefined);
      assert.equal(await store.claimRun('nope', { expectedAttempt: 0 }), undefined);
      assert.equal(await store.getRunClaim('nope'), undefined);
    });

    it('with expectedAttempt, claims only while the claim is still that one (compare-and-set)', async () => {
      assert.deepEqual(await store.claimRun('r1', { expectedAttempt: 0 }), { attempt: 1, stopRequestedAt: null });
      assert.equal(await other.claimRun('r1', { expectedAttempt: 0 }), undefined, 'a claim that saw attempt 0 lost');
      assert.deepEqual(await store.getRunClaim('r1'), { attempt: 1, stopRequestedAt: null });
      assert.deepEqual(await other.claimRun('r1', { expectedAttempt: 1 }), { attempt: 2, stopRequestedAt: null });
    });

    it('of many nodes racing for one run with the same expectation, exactly one wins', async () => {
      for (let round = 0; round < 10; round++) {
        const results = await Promise.all([store, other, store, other].map((node) => node.claimRun('r1', { expectedAttempt: round })));
        assert.deepEqual(results.filter((result) => result !== undefined), [{ attempt: round + 1, stopRequestedAt: null }], `round ${round}`);
      }
    });

    it('is kept when the run record is upserted, and deleted with its conversation', async () => {
      await store.claimRun('r1');
      await store.requestStop('r1');
      await store.commit({ runs: [run('r1', 'c1', { status: 'running', startedAt: t0 + 1 })] });
      assert.deepEqual(await store.getRunClaim('r1'), { attempt: 1, stopRequestedAt: clock });
      await store.deleteConversation('c1');
      await store.commit({ conversations: [conversation('c1')], runs: [run('r1', 'c1')] });
      assert.deepEqual(await store.getRunClaim('r1'), { attempt: 0, stopRequestedAt: null }, 'a re-created run starts unclaimed');
    });
  });

  describe('fenced commit', () => {
    it('applies a batch carrying the current claim', async () => {
      const { attempt } = (await store.claimRun('r1'))!;
      const running = run('r1', 'c1', { status: 'running', startedAt: t0 + 1 });
      await store.commit({ messages: [message('m1', 'c1')], runs: [running], lastSeq: { c1: 3 } }, { runId: 'r1', attempt });
      assert.deepEqual(await store.getRun('r1'), running);
      assert.deepEqual(await store.listMessages('c1'), [message('m1', 'c1')]);
      assert.equal(await store.getLastSeq('c1'), 3);
    });

    it('refuses a batch from a replaced claim with stale_fence, writing nothing; the new claim writes', async () => {
      await store.claimRun('r1');
      await other.claimRun('r1');
      const zombie = { messages: [message('m1', 'c1')], runs: [run('r1', 'c1', { status: 'completed' })], lastSeq: { c1: 9 } };
      await assert.rejects(store.commit(zombie, { runId: 'r1', attempt: 1 }), staleFence);
      assert.deepEqual(await store.listMessages('c1'), []);
      assert.deepEqual(await store.getRun('r1'), run('r1', 'c1'));
      assert.equal(await store.getLastSeq('c1'), 0);
      await other.commit({ messages: [message('m2', 'c1')] }, { runId: 'r1', attempt: 2 });
      assert.deepEqual((await store.listMessages('c1')).map((m) => m.id), ['m2']);
    });

    it('refuses a fence for a run never claimed, a future attempt, or an unknown run', async () => {
      const batch = { messages: [message('m1', 'c1')] };
      await assert.rejects(store.commit(batch, { runId: 'r1', attempt: 1 }), staleFence, 'unclaimed');
      await assert.rejects(store.commit(batch, { runId: 'r1', attempt: 0 }), staleFence, 'attempt 0 is nobody');
      await store.claimRun('r1');
      await assert.rejects(store.commit(batch, { runId: 'r1', attempt: 2 }), staleFence, 'not yet claimed');
      await assert.rejects(store.commit(batch, { runId: 'ghost', attempt: 1 }), staleFence, 'unknown run');
      assert.deepEqual(await store.listMessages('c1'), []);
    });

    it('a fence on one run does not stop another run of the conversation from writing', async () => {
      await store.claimRun('r1');
      await store.claimRun('r2');
      await store.claimRun('r1');
      await store.commit({ messages: [message('m1', 'c1')] }, { runId: 'r2', attempt: 1 });
      await store.commit({ messages: [message('m2', 'c1')] });
      assert.deepEqual((await store.listMessages('c1')).map((m) => m.id), ['m1', 'm2']);
    });

    it('between a claim and a commit racing on two nodes, the commit lands only if it was first', async () => {
      for (let round = 1; round <= 10; round++) {
        const id = `m${round}`;
        const [committed] = await Promise.allSettled([
          store.commit({ messages: [message(id, 'c1')] }, { runId: 'r1', attempt: round - 1 }),
          other.claimRun('r1'),
        ]);
        const landed = (await store.listMessages('c1')).some((m) => m.id === id);
        if (round === 1) assert.equal(committed.status, 'rejected', 'attempt 0 never writes');
        assert.equal(landed, committed.status === 'fulfilled', `round ${round}: a refused commit wrote nothing, an accepted one everything`);
        if (committed.status === 'rejected') assert.ok(staleFence(committed.reason));
      }
    });
  });

  describe('requestStop', () => {
    it('records the first request time once, and the claim reports it', async () => {
      assert.equal(await store.requestStop('r1'), clock);
      const first = clock;
      clock += 500;
      assert.equal(await other.requestStop('r1'), first, 'a second request keeps the first time');
      assert.deepEqual(await other.claimRun('r1'), { attempt: 1, stopRequestedAt: first });
      assert.deepEqual(await store.getRunClaim('r2'), { attempt: 0, stopRequestedAt: null });
    });

    it('answers undefined for an unknown run', async () => {
      assert.equal(await store.requestStop('nope'), undefined);
    });
  });

  describe('idempotent send', () => {
    it('of two nodes writing a run with the same client request id at once, exactly one succeeds', async () => {
      for (let round = 0; round < 10; round++) {
        const requestId = `req-${round}`;
        const results = await Promise.allSettled([
          store.commit({ messages: [message(`a${round}`, 'c1')], runs: [run(`ra${round}`, 'c1', { clientRequestId: requestId })] }),
          other.commit({ messages: [message(`b${round}`, 'c1')], runs: [run(`rb${round}`, 'c1', { clientRequestId: requestId })] }),
        ]);
        assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1, `round ${round}`);
        const winner = results[0]!.status === 'fulfilled' ? 'a' : 'b';
        assert.equal((await other.findRunByClientRequestId('c1', requestId))?.id, `r${winner}${round}`);
        const ids = (await store.listMessages('c1')).map((m) => m.id);
        assert.ok(ids.includes(`${winner}${round}`) && !ids.includes(`${winner === 'a' ? 'b' : 'a'}${round}`), 'the loser wrote nothing');
      }
    });
  });
});
