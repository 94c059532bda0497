import type { PoolClient } from 'pg';
import { terminalRunStatuses } from '../../domain/schemas.ts';
import type { StoreBatch } from '../store.ts';
import { approvalParams, conversationParams, messageParams, runParams, upsertApproval, upsertConversation, upsertMessage, upsertRun } from './postgres-rows.ts';

type Queryable = Pick<PoolClient, 'query'>;

/**
 * The forward-only checkpoint (see `checkpoint-commits.ts`), inside the caller's transaction.
 * Locks the conversations it checkpoints in id order (conversations first, as every batch does),
 * drops the ones whose stored seq is not below the checkpoint's, keeps ended runs and settled
 * approvals from going back, writes, then writes `ahead` as given. Returns the dropped ids.
 */
export async function writeCheckpoint(client: Queryable, checkpoint: StoreBatch, ahead: StoreBatch | undefined): Promise<string[]> {
  const seqs = checkpoint.lastSeq ?? {};
  const ids = Object.keys(seqs).sort();
  const dropped = new Set<string>();
  // Every conversation either part writes is locked here, in id order, before any row is written:
  // two nodes' checkpoints over overlapping conversations then wait for each other instead of deadlocking.
  const touched = [...new Set([...ids, ...conversationIds(checkpoint), ...conversationIds(ahead ?? {})])].sort();
  if (touched.length > 0) {
    const { rows } = await client.query('SELECT id, last_seq FROM conversations WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [touched]);
    const stored = new Map(rows.map((row) => [row.id as string, Number(row.last_seq)]));
    for (const id of ids) {
      const seq = stored.get(id);
      // Gone (deleted meanwhile): nothing to write back.
      if (seq === undefined || seq >= seqs[id]!) dropped.add(id);
    }
  }
  const kept = <T extends { conversationId: string }>(records: T[] | undefined) => (records ?? []).filter((record) => !dropped.has(record.conversationId));
  const conversations = (checkpoint.conversations ?? []).filter((conversation) => !dropped.has(conversation.id));
  const runs = kept(checkpoint.runs);
  const approvals = kept(checkpoint.approvals);
  const endedRuns = await idsWhere(client, 'runs', runs.filter((run) => !isEnded(run.status)).map((run) => run.id), 'status = ANY($2::text[])', [terminalRunStatuses]);
  const settledApprovals = await idsWhere(client, 'approvals', approvals.filter((approval) => approval.status === 'pending').map((approval) => approval.id), "status <> 'pending'", []);

  for (const conversation of conversations) await client.query(upsertConversation, conversationParams(conversation));
  for (const message of kept(checkpoint.messages)) await client.query(upsertMessage, messageParams(message));
  for (const run of runs) if (!endedRuns.has(run.id)) await client.query(upsertRun, runParams(run));
  for (const approval of approvals) if (!settledApprovals.has(approval.id)) await client.query(upsertApproval, approvalParams(approval));
  for (const id of ids) if (!dropped.has(id)) await client.query('UPDATE conversations SET last_seq = $1 WHERE id = $2', [seqs[id], id]);

  for (const conversation of ahead?.conversations ?? []) await client.query(upsertConversation, conversationParams(conversation));
  for (const message of ahead?.messages ?? []) await client.query(upsertMessage, messageParams(message));
  for (const run of ahead?.runs ?? []) await client.query(upsertRun, runParams(run));
  for (const approval of ahead?.approvals ?? []) await client.query(upsertApproval, approvalParams(approval));
  for (const [id, seq] of Object.entries(ahead?.lastSeq ?? {})) await client.query('UPDATE conversations SET last_seq = GREATEST(last_seq, $1) WHERE id = $2', [seq, id]);
  return [...dropped];
}

function conversationIds(batch: StoreBatch): string[] {
  return [
    ...(batch.conversations ?? []).map((conversation) => conversation.id),
    ...[...(batch.messages ?? []), ...(batch.runs ?? []), ...(batch.approvals ?? [])].map((record) => record.conversationId),
    ...Object.keys(batch.lastSeq ?? {}),
  ];
}

function isEnded(status: string): boolean {
  return (terminalRunStatuses as readonly string[]).includes(status);
}

async function idsWhere(client: Queryable, table: 'runs' | 'approvals', ids: string[], condition: string, params: unknown[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await client.query(`SELECT id FROM ${table} WHERE id = ANY($1::text[]) AND ${condition}`, [ids, ...params]);
  return new Set(rows.map((row) => row.id as string));
}
