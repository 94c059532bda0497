import type { SQLInputValue } from 'node:sqlite';
import type { JournalEntry } from '../journal.ts';
import type { StoreBatch } from '../store.ts';
import { inTransaction, type Statements } from './sqlite-statements.ts';
import { approvalColumns, approvalParams, conversationColumns, conversationParams, messageColumns, messageParams, runColumns, runParams, upsertSql } from './sqlite-rows.ts';

/**
 * Every write the SQLite store and the event journal make, as data: what a `SqliteWriter` carries
 * to the connection that writes (the main thread's, or a worker thread's: sqlite-writer.ts), where
 * `applyWrite` runs it in one transaction. Each answers with a number (changed rows, bytes dropped).
 */
export type SqliteWrite =
  /** Upserts a batch of records (`Store.commit`). */
  | { kind: 'commit'; batch: StoreBatch }
  /** One statement; answers with the rows it changed. */
  | { kind: 'run'; sql: string; params: SQLInputValue[] }
  /** Appends journal entries. */
  | { kind: 'journal-append'; entries: JournalEntry[] }
  /** Drops a conversation's journal entries up to a seq; answers with their bytes. */
  | { kind: 'journal-trim'; conversationId: string; through: number };

const upsertConversation = upsertSql('conversations', conversationColumns);
const upsertMessage = upsertSql('messages', messageColumns);
const upsertRun = upsertSql('runs', runColumns);
const upsertApproval = upsertSql('approvals', approvalColumns);

export function applyWrite(statements: Statements, write: SqliteWrite): number {
  switch (write.kind) {
    case 'commit':
      return inTransaction(statements.database, () => commitBatch(statements, write.batch));
    case 'run':
      return Number(statements.get(write.sql).run(...write.params).changes);
    case 'journal-append': {
      const insert = statements.get('INSERT INTO journal (conversation_id, seq, bytes, body) VALUES (?, ?, ?, ?)');
      return inTransaction(statements.database, () => {
        for (const entry of write.entries) insert.run(entry.conversationId, entry.seq, entry.bytes, entry.body);
        return write.entries.length;
      });
    }
    case 'journal-trim':
      return inTransaction(statements.database, () => {
        const sum = statements.get('SELECT TOTAL(bytes) AS bytes FROM journal WHERE conversation_id = ? AND seq <= ?').get(write.conversationId, write.through) as { bytes: number };
        statements.get('DELETE FROM journal WHERE conversation_id = ? AND seq <= ?').run(write.conversationId, write.through);
        return sum.bytes;
      });
  }
}

function commitBatch(statements: Statements, batch: StoreBatch): number {
  let changes = 0;
  const run = (sql: string, params: SQLInputValue[]) => (changes += Number(statements.get(sql).run(...params).changes));
  // Conversations first: messages and runs in the same batch may belong to them.
  for (const conversation of batch.conversations ?? []) run(upsertConversation, conversationParams(conversation));
  for (const message of batch.messages ?? []) run(upsertMessage, messageParams(message));
  for (const record of batch.runs ?? []) run(upsertRun, runParams(record));
  for (const approval of batch.approvals ?? []) run(upsertApproval, approvalParams(approval));
  for (const [conversationId, seq] of Object.entries(batch.lastSeq ?? {})) {
    const updated = Number(statements.get('UPDATE conversations SET last_seq = ? WHERE id = ?').run(seq, conversationId).changes);
    if (updated === 0) throw new Error(`lastSeq given for unknown conversation ${conversationId}`);
    changes += updated;
  }
  return changes;
}
