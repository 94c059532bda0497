import { approvalColumns, conversationColumns, messageColumns, recordReaders, runColumns, upsertSql } from '../record-rows.ts';

/**
 * Rows as `pg` returns them: it parses `json` columns itself (a fresh object per read) and returns
 * BIGINT as a string, hence the `Number`s.
 */

export { approvalParams, conversationParams, messageParams, runParams } from '../record-rows.ts';

export const { projectFromRow, conversationFromRow, messageFromRow, runFromRow, approvalFromRow } = recordReaders({
  json: <T>(value: unknown): T => (value === undefined ? null : value) as T,
  int: (value) => Number(value),
});

const dollar = (index: number) => `$${index + 1}`;

export const upsertConversation = upsertSql('conversations', conversationColumns, dollar);
export const upsertMessage = upsertSql('messages', messageColumns, dollar);
export const upsertRun = upsertSql('runs', runColumns, dollar);
export const upsertApproval = upsertSql('approvals', approvalColumns, dollar);
