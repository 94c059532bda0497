/**
 * Cursors: `<epoch>.<seq>`. The epoch names one incarnation of a conversation's live log; a log
 * reloaded from the store (idle release, restart) gets a new epoch, so a cursor into an old log can
 * never be replayed against a different history: it yields a snapshot instead.
 * Clients treat cursors as opaque. Browser-safe.
 */
export type ParsedCursor = { epoch: string; seq: number };

export function formatCursor(epoch: string, seq: number): string {
  return `${epoch}.${seq}`;
}

export function parseCursor(cursor: string | null | undefined): ParsedCursor | undefined {
  if (!cursor) return undefined;
  const dot = cursor.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const seq = Number(cursor.slice(dot + 1));
  if (!Number.isSafeInteger(seq) || seq < 0) return undefined;
  return { epoch: cursor.slice(0, dot), seq };
}
