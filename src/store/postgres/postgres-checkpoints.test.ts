import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { approval, conversation, message, project, run } from '../store-test-records.ts';
import { PostgresStore } from './postgres-store.ts';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from './postgres-test-database.ts';

/** Forward-only checkpoints (checkpoint-commits.ts): two nodes checkpointing one conversation, on a real Postgres. */

const skip = await postgresUnavailable();
let database: TestDatabase | undefined;
let schemas = 0;
after(async () => database?.drop());

const text = (value: string) => ({ parts: [{ id: 'p1', kind: 'text' as const, text: value }] });

describe('PostgresStore forward-only checkpoints', { skip }, () => {
  let store: PostgresStore;
  /** Another node of the cluster, on the same schema. */
  let other: PostgresStore;

  beforeEach(async () => {
    database ??= await createTestDatabase('confab_test_checkpoints');
    const schema = `checkpoints_${++schemas}`;
    store = new PostgresStore({ pool: await database.pool({ schema }) });
    other = new PostgresStore({ pool: await database.pool({ schema }) });
    await store.init();
    await other.init();
    await store.createProject(project('alpha'));
    await store.commit({ conversations: [conversation('c1'), conversation('c2')], messages: [message('m1', 'c1', text('a'))], runs: [run('r1', 'c1')], lastSeq: { c1: 5, c2: 5 } });
  });
  afterEach(async () => {
    await store.close();
    await other.close();
  });

  it('writes a checkpoint further than the stored seq, and drops one that is not (equal or behind), conversation by conversation', async () => {
    assert.deepEqual(await store.commitCheckpoint({ messages: [message('m1', 'c1', text('a b c'))], lastSeq: { c1: 9 } }), { dropped: [] });
    const behind = await other.commitCheckpoint({ messages: [message('m1', 'c1', text('a b'))], conversations: [conversation('c2', { title: 'new' })], lastSeq: { c1: 7, c2: 6 } });
    assert.deepEqual(behind, { dropped: ['c1'] });
    assert.deepEqual(await other.commitCheckpoint({ messages: [message('m1', 'c1', text('stale'))], lastSeq: { c1: 9 } }), { dropped: ['c1'] });
    assert.deepEqual((await store.listMessages('c1')).map((stored) => stored.parts), [text('a b c').parts]);
    assert.equal(await store.getLastSeq('c1'), 9);
    assert.equal((await store.getConversation('c2'))?.title, 'new');
    assert.equal(await store.getLastSeq('c2'), 6);
  });

  it('never writes an ended run back to running, nor a settled approval back to pending, even from a checkpoint further on', async () => {
    await store.commitCheckpoint({}, { runs: [run('r1', 'c1', { status: 'completed', finishReason: 'stop' })], approvals: [approval('a1', 'c1', { status: 'expired' })], lastSeq: { c1: 6 } });
    await other.commitCheckpoint({ runs: [run('r1', 'c1', { status: 'running' })], approvals: [approval('a1', 'c1')], messages: [message('m1', 'c1', text('a b'))], lastSeq: { c1: 8 } });
    assert.equal((await store.getRun('r1'))?.status, 'completed');
    assert.equal((await store.getApproval('a1'))?.status, 'expired');
    assert.deepEqual((await store.listMessages('c1'))[0]!.parts, text('a b').parts);
    assert.equal(await store.getLastSeq('c1'), 8);
  });

  it('writes records ahead of their events as given, raising the stored seq but never lowering it', async () => {
    await store.commitCheckpoint({ lastSeq: { c1: 9 } }, { runs: [run('r1', 'c1', { status: 'stopped', finishReason: 'stopped' })], lastSeq: { c1: 7 } });
    assert.equal((await store.getRun('r1'))?.status, 'stopped');
    assert.equal(await store.getLastSeq('c1'), 9);
    await store.commitCheckpoint({}, { conversations: [conversation('c1', { title: 'ended' })], lastSeq: { c1: 12 } });
    assert.equal(await store.getLastSeq('c1'), 12);
  });

  it('drops the checkpoint of a conversation deleted meanwhile instead of failing the batch', async () => {
    await store.deleteConversation('c2');
    assert.deepEqual(await store.commitCheckpoint({ messages: [message('m1', 'c1', text('kept'))], conversations: [conversation('c2')], lastSeq: { c1: 6, c2: 9 } }), { dropped: ['c2'] });
    assert.equal(await store.getConversation('c2'), undefined);
    assert.deepEqual((await store.listMessages('c1'))[0]!.parts, text('kept').parts);
  });
});
