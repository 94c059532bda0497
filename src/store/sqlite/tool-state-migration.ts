import type { DatabaseSync } from 'node:sqlite';

/**
 * Schema 2: stored tool calls move from a flat `status` plus a separate `tool-result` part (joined
 * by `toolCallId`) to one `tool-call` part whose `state` holds the result. Self-contained on
 * purpose: a shipped migration must not change when the engine's helpers do.
 *
 * Old rows carry no tool times: a completed call is taken to have run from its message's
 * `createdAt` to its `updatedAt`, the bounds the true interval lies within; an error's end is
 * the message's `updatedAt`, and its start is left out, unknown.
 */
export function migrateToolParts(db: DatabaseSync): void {
  const select = db.prepare(
    `SELECT position, parts, created_at, updated_at FROM messages
     WHERE position > ? AND parts LIKE '%"kind":"tool-%' ORDER BY position LIMIT ?`,
  );
  const update = db.prepare('UPDATE messages SET parts = ? WHERE position = ?');
  let after = -1;
  for (;;) {
    // Paged, so a large database is converted in bounded memory.
    const rows = select.all(after, 200) as { position: number; parts: string; created_at: number; updated_at: number }[];
    if (rows.length === 0) return;
    for (const row of rows) {
      const parts = upgradeToolParts(JSON.parse(row.parts) as OldPart[], { createdAt: row.created_at, updatedAt: row.updated_at });
      if (parts) update.run(JSON.stringify(parts), row.position);
      after = row.position;
    }
  }
}

type OldPart = { id: string; kind: string; toolCallId?: string; toolName?: string; input?: unknown; status?: string; state?: unknown; output?: unknown; isError?: boolean; [key: string]: unknown };
type OldResult = { output: unknown; isError: boolean };

/** The parts in the new shape, or undefined when there was nothing old in them. */
export function upgradeToolParts(parts: OldPart[], times: { createdAt: number; updatedAt: number }): OldPart[] | undefined {
  const results = new Map<string, OldResult>();
  const calls = new Set<string>();
  for (const part of parts) {
    if (part.kind === 'tool-result') results.set(part.toolCallId!, { output: part.output, isError: part.isError === true });
    if (part.kind === 'tool-call') calls.add(part.toolCallId!);
  }
  let changed = false;
  const upgraded: OldPart[] = [];
  // Calls of one model step were stored side by side, before their results: a call after any
  // other part starts the next step.
  let step = 0;
  parts.forEach((part, index) => {
    if (part.kind === 'tool-call' && part.state === undefined) {
      if (parts[index - 1]?.kind !== 'tool-call') step++;
      const { input, status, ...rest } = part;
      upgraded.push({ ...rest, step, state: callState(input, status, results.get(part.toolCallId!), times) });
      changed = true;
    } else if (part.kind === 'tool-result') {
      changed = true;
      // A result whose call is missing is kept, as a call whose input was never known.
      if (!calls.has(part.toolCallId!)) {
        const result = { output: part.output, isError: part.isError === true };
        const state = callState(null, 'completed', result, times);
        upgraded.push({ id: part.id, kind: 'tool-call', toolCallId: part.toolCallId, toolName: part.toolName, step: Math.max(step, 1), state, providerExecuted: true });
      }
    } else {
      upgraded.push(part);
    }
  });
  return changed ? upgraded : undefined;
}

function callState(input: unknown, status: string | undefined, result: OldResult | undefined, times: { createdAt: number; updatedAt: number }): Record<string, unknown> {
  const endedAt = times.updatedAt;
  if (result && !result.isError) return { status: 'completed', input, output: result.output ?? null, startedAt: times.createdAt, endedAt };
  if (result) {
    const described = typeof result.output === 'string' ? { error: result.output } : { error: errorText(result.output), output: result.output ?? null };
    return { status: 'error', input, ...described, endedAt };
  }
  if (status === 'pending') return { status: 'pending', input };
  if (status === 'running') return { status: 'running', input, startedAt: times.updatedAt };
  return { status: 'error', input, error: 'No result was stored for this call.', endedAt };
}

function errorText(output: unknown): string {
  const message = output !== null && typeof output === 'object' ? (output as { message?: unknown }).message : undefined;
  return typeof message === 'string' && message !== '' ? message : 'The tool reported an error.';
}
