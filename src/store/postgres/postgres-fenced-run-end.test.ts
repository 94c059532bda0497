import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { ConfabError } from '../../domain/errors.ts';
import { Checkpointer } from '../../engine/checkpointer.ts';
import { claimedPersistence } from '../../engine/run/claimed-persistence.ts';
import type { RunPersistence } from '../../engine/run/run-context.ts';
import { systemClock } from '../../util/clock.ts';
import { silentLogger } from '../../util/logger.ts';
import { conversation, message, project, run, t0 } from '../store-test-records.ts';
import { PostgresStore } from './postgres-store.ts';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from './postgres-test-database.ts';

/**
 * A run's end written by a worker that was replaced is refused by the store (run-claims.ts,
 * engine/run/claimed-persistence.ts): two workers, each a store and a forward-only Checkpointer on
 * one schema, claim the same run with the queue's attempts 1 and 2, as a take-over does.
 */

const skip = await postgresUnavailable();
let database: TestDatabase | undefined;
let schemas = 0;
after(async () => database?.drop());

const staleFence = (error: unknown) => ConfabError.is(error, 'stale_fence');
const text = (value: string) => ({ parts: [{ id: 'p1', kind: 'text' as const, text: value }] });

describe('PostgresStore: run ends fenced by the run claim', { skip }, () => {
  let zombieStore: PostgresStore;
  let takerStore: PostgresStore;
  const persistenceOf = (store: PostgresStore): RunPersistence =>
    new Checkpointer({ store, clock: systemClock, intervalMs: 60_000, logger: silentLogger, forwardOnly: store });

  beforeEach(async () => {
    database ??= await createTestDatabase('confab_test_fenced_ends');
    const schema = `fenced_${++schemas}`;
    zombieStore = new PostgresStore({ pool: await database.pool({ schema }) });
    takerStore = new PostgresStore({ pool: await database.pool({ schema }) });
    await zombieStore.init();
    await takerStore.init();
    await zombieStore.createProject(project('alpha'));
    const running = run('r1', 'c1', { status: 'running', startedAt: t0 + 1, assistantMessageId: 'm1' });
    await zombieStore.commit({ conversations: [conversation('c1')], messages: [message('m1', 'c1', text('Partial'))], runs: [running], lastSeq: { c1: 5 } });
  });
  afterEach(async () => {
    await zombieStore.close();
    await takerStore.close();
  });

  it('claims by attempt: a later attempt wins, an earlier one is stale, the same one may claim again, an unknown run is missing', async () => {
    assert.equal(await zombieStore.claimRunAttempt('r1', 1), 'claimed');
    assert.equal(await zombieStore.claimRunAttempt('r1', 1), 'claimed', 'a parked run resumed under the same attempt');
    assert.equal(await takerStore.claimRunAttempt('r1', 2), 'claimed');
    assert.equal(await zombieStore.claimRunAttempt('r1', 1), 'stale');
    assert.deepEqual(await zombieStore.getRunClaim('r1'), { attempt: 2, stopRequestedAt: null }, 'a stale claim changes nothing');
    assert.equal(await zombieStore.claimRunAttempt('ghost', 1), 'missing');
  });

  it("a zombie worker's run end after a take-over changes nothing; the taker's end stands", async () => {
    const zombie = (await claimedPersistence(zombieStore, persistenceOf(zombieStore), { runId: 'r1', attempt: 1 }, silentLogger))!;
    const taker = (await claimedPersistence(takerStore, persistenceOf(takerStore), { runId: 'r1', attempt: 2 }, silentLogger))!;
    const interrupted = run('r1', 'c1', { status: 'interrupted', finishReason: 'interrupted', startedAt: t0 + 1, endedAt: t0 + 9, assistantMessageId: 'm1' });
    await taker.commitNow({ runs: [interrupted], conversations: [conversation('c1', { title: 'taken over' })], lastSeq: { c1: 8 } });

    // The zombie was frozen between its last append and its end's write; woken, it writes its end.
    const completed = run('r1', 'c1', { status: 'completed', finishReason: 'stop', startedAt: t0 + 1, endedAt: t0 + 20, assistantMessageId: 'm1' });
    const zombieEnd = { runs: [completed], messages: [message('m1', 'c1', text('Partial and the zombie rest'))], conversations: [conversation('c1', { title: 'zombie' })], lastSeq: { c1: 12 } };
    await assert.rejects(zombie.commitNow(zombieEnd), staleFence);

    assert.deepEqual(await takerStore.getRun('r1'), interrupted);
    assert.equal((await takerStore.getConversation('c1'))?.title, 'taken over');
    assert.deepEqual((await takerStore.listMessages('c1'))[0]!.parts, text('Partial').parts);
    assert.equal(await takerStore.getLastSeq('c1'), 8);
  });

  it('a worker claiming after it was replaced gets no persistence at all, and the store keeps the later claim', async () => {
    await takerStore.claimRunAttempt('r1', 2);
    assert.equal(await claimedPersistence(zombieStore, persistenceOf(zombieStore), { runId: 'r1', attempt: 1 }, silentLogger), undefined);
    assert.deepEqual(await takerStore.getRunClaim('r1'), { attempt: 2, stopRequestedAt: null });
  });

  it('the current claim writes its end in the same transaction as the pending checkpoint', async () => {
    const current = (await claimedPersistence(takerStore, persistenceOf(takerStore), { runId: 'r1', attempt: 1 }, silentLogger))!;
    const completed = run('r1', 'c1', { status: 'completed', finishReason: 'stop', startedAt: t0 + 1, endedAt: t0 + 9, assistantMessageId: 'm1' });
    await current.commitNow({ runs: [completed], lastSeq: { c1: 7 } });
    assert.deepEqual(await takerStore.getRun('r1'), completed);
    assert.equal(await takerStore.getLastSeq('c1'), 7);
  });
});
