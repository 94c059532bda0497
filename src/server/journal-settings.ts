import { ConfabError } from '../domain/errors.ts';
import type { JournalRetention } from '../engine/event-log/journal-conversation-log.ts';
import { defaultCheckpointBytes, defaultCommitIntervalMs, defaultJournalRetention } from '../engine/event-log/journal-event-log.ts';

export type JournalSettings =
  | { enabled: false }
  | { enabled: true; retention: JournalRetention; checkpointBytes: number; commitIntervalMs: number };

const integerVariables = {
  CONFAB_JOURNAL_RETAIN_EVENTS: { field: 'events', min: 1 },
  CONFAB_JOURNAL_RETAIN_RUNS: { field: 'runs', min: 0 },
  CONFAB_JOURNAL_RETAIN_BYTES: { field: 'bytes', min: 0 },
  CONFAB_JOURNAL_CHECKPOINT_BYTES: { field: 'checkpointBytes', min: 1024 },
  // Every event waits up to this long before it is stored and shown: more than 100 ms would be felt.
  CONFAB_JOURNAL_COMMIT_INTERVAL_MS: { field: 'commitIntervalMs', min: 0, max: 100 },
} as const satisfies Record<string, { field: string; min: number; max?: number }>;

/**
 * The event journal's settings from the environment (docs/configuration.md): `CONFAB_JOURNAL=off`
 * goes back to the in-memory log with records checkpointed every 250 ms (fewer store writes; a
 * crash can lose up to that much of what watchers saw, and cursors do not survive a restart), and
 * and the retention bounds, and how often at most a busy journal commits. A bad value stops start-up with a message naming the variable.
 */
export function journalSettings(env: Record<string, string | undefined>): JournalSettings {
  const mode = env.CONFAB_JOURNAL?.trim() || 'on';
  if (mode !== 'on' && mode !== 'off') throw new ConfabError('bad_request', `CONFAB_JOURNAL must be "on" or "off", got ${JSON.stringify(mode)}`);
  if (mode === 'off') return { enabled: false };
  const values = { ...defaultJournalRetention, checkpointBytes: defaultCheckpointBytes, commitIntervalMs: defaultCommitIntervalMs };
  for (const [name, variable] of Object.entries(integerVariables)) {
    const { field, min } = variable;
    const max = 'max' in variable ? variable.max : Number.MAX_SAFE_INTEGER;
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
      throw new ConfabError('bad_request', `${name} must be a whole number ${range}, got ${JSON.stringify(raw)}`);
    }
    values[field] = value;
  }
  const { checkpointBytes, commitIntervalMs, ...retention } = values;
  return { enabled: true, retention, checkpointBytes, commitIntervalMs };
}

/**
 * Who writes the SQLite file (docs/configuration.md): `CONFAB_SQLITE_WRITER=worker` (the default) a
 * worker thread with its own connection, so commits and WAL checkpoints never stall the event loop;
 * `inline` the event loop's own connection (one thread less, about 10 MB less memory).
 */
export function sqliteWriterSetting(env: Record<string, string | undefined>): 'worker' | 'inline' {
  const writer = env.CONFAB_SQLITE_WRITER?.trim() || 'worker';
  if (writer !== 'worker' && writer !== 'inline') throw new ConfabError('bad_request', `CONFAB_SQLITE_WRITER must be "worker" or "inline", got ${JSON.stringify(writer)}`);
  return writer;
}
