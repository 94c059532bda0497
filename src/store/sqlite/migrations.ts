import type { DatabaseSync } from 'node:sqlite';
import { migrateToolParts } from './tool-state-migration.ts';

/**
 * One schema step. Versions are 1, 2, 3, … in array order; a shipped migration is never edited.
 * `sql` runs first, then `transform` (for data that SQL alone cannot reshape), in one transaction.
 */
export type Migration = {
  version: number;
  name: string;
  sql?: string;
  transform?: (db: DatabaseSync) => void;
};

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    // `position` is an INTEGER PRIMARY KEY (a rowid alias) so it survives VACUUM and upserts,
    // which is what keeps messages and runs in first-written order.
    sql: `
      CREATE TABLE projects (
        name TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        project_name TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
        title TEXT NOT NULL,
        model TEXT NOT NULL,
        system_prompt TEXT NOT NULL,
        busy_policy TEXT NOT NULL,
        usage TEXT NOT NULL,
        cost TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_seq INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX conversations_updated ON conversations(updated_at);
      CREATE INDEX conversations_project_updated ON conversations(project_name, updated_at);

      CREATE TABLE messages (
        position INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        role TEXT NOT NULL,
        parts TEXT NOT NULL,
        status TEXT NOT NULL,
        run_id TEXT,
        model TEXT,
        usage TEXT,
        cost TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX messages_conversation ON messages(conversation_id, created_at, position);

      CREATE TABLE runs (
        position INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        status TEXT NOT NULL,
        trigger_kind TEXT NOT NULL,
        model TEXT NOT NULL,
        user_message_id TEXT,
        assistant_message_id TEXT,
        input TEXT,
        client_request_id TEXT,
        finish_reason TEXT,
        usage TEXT NOT NULL,
        cost TEXT,
        attempts INTEGER NOT NULL,
        steps INTEGER NOT NULL,
        error TEXT,
        agent_session_id TEXT,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        ended_at INTEGER
      );
      CREATE UNIQUE INDEX runs_client_request ON runs(conversation_id, client_request_id)
        WHERE client_request_id IS NOT NULL;
      CREATE INDEX runs_status ON runs(status);
      CREATE INDEX runs_conversation ON runs(conversation_id, created_at, position);
    `,
  },
  {
    version: 2,
    name: 'tool calls carry their state; tool-result parts fold into their calls',
    transform: migrateToolParts,
  },
  {
    version: 3,
    name: 'approvals, and remembered answers to them per conversation',
    // The record is stored whole as JSON; the columns beside it are what queries select on.
    sql: `
      ALTER TABLE conversations ADD COLUMN tool_rules TEXT;

      CREATE TABLE approvals (
        position INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        run_id TEXT NOT NULL,
        status TEXT NOT NULL,
        requested_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        record TEXT NOT NULL
      );
      CREATE INDEX approvals_conversation ON approvals(conversation_id, requested_at, position);
      CREATE INDEX approvals_status ON approvals(status, requested_at, position);
    `,
  },
  {
    version: 4,
    name: 'durable event journal: events per conversation, epochs, boot marker',
    // No foreign key on the journal: a check per inserted event, and one bad row would fail the
    // whole group transaction. The trigger deletes a conversation's events with it (also when a
    // project's deletion cascades to it). Rows are stored in insertion order (`position`), so a
    // group commit appends to the table's last pages instead of one page per conversation it
    // touches; the index serves the per-conversation reads (docs/benchmarks.md, "Durable event log").
    sql: `
      CREATE TABLE journal (
        position INTEGER PRIMARY KEY,
        conversation_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      CREATE UNIQUE INDEX journal_conversation ON journal(conversation_id, seq);

      CREATE TABLE journal_epochs (
        conversation_id TEXT PRIMARY KEY,
        epoch TEXT NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE journal_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;

      CREATE TRIGGER conversations_delete_journal AFTER DELETE ON conversations BEGIN
        DELETE FROM journal WHERE conversation_id = old.id;
        DELETE FROM journal_epochs WHERE conversation_id = old.id;
      END;
    `,
  },
];

export const latestSchemaVersion = migrations.length;

/**
 * Brings the schema up to `latestSchemaVersion`, each migration in its own transaction.
 * Refuses a database written by a newer Confab rather than guessing at its schema.
 */
export function migrate(db: DatabaseSync, options: { now: () => number; list?: readonly Migration[] }): void {
  const list = options.list ?? migrations;
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  assertKnownVersion(currentVersion(db), list.length);
  for (const migration of list) {
    if (migration.version <= currentVersion(db)) continue;
    db.exec('BEGIN IMMEDIATE');
    try {
      // Re-read inside the write lock: another process may have migrated since we looked.
      const current = currentVersion(db);
      assertKnownVersion(current, list.length);
      if (current < migration.version) {
        if (migration.sql) db.exec(migration.sql);
        migration.transform?.(db);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          migration.version,
          migration.name,
          options.now(),
        );
      }
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }
}

export function currentVersion(db: DatabaseSync): number {
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number | null };
  return row.version ?? 0;
}

function assertKnownVersion(current: number, latest: number): void {
  if (current > latest) {
    throw new Error(
      `SQLite database schema is at version ${current}, but this Confab only knows up to version ${latest}; ` +
        'upgrade Confab or use another data directory',
    );
  }
}
