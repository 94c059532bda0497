import { recordReaders, upsertSql as recordUpsert } from '../record-rows.ts';

/** Rows as node:sqlite returns them: JSON columns as text, integers as numbers. */

export {
  approvalColumns,
  approvalParams,
  conversationColumns,
  conversationParams,
  messageColumns,
  messageParams,
  runColumns,
  runParams,
} from '../record-rows.ts';

export const { projectFromRow, conversationFromRow, messageFromRow, runFromRow, approvalFromRow } = recordReaders({
  json: <T>(text: unknown): T => (text === null || text === undefined ? null : JSON.parse(text as string)) as T,
  int: (value) => value as number,
});

/** `INSERT … ON CONFLICT (id) DO UPDATE` with node:sqlite's `?` parameters. */
export function upsertSql(table: string, columns: string[]): string {
  return recordUpsert(table, columns, () => '?');
}
