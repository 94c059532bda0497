import type { Pool, PoolClient } from 'pg';

/**
 * One schema step. Versions are 1, 2, 3, … in array order; a shipped migration is never edited.
 * Postgres DDL is transactional, so a step that fails leaves nothing behind.
 */
export type PostgresMigration = { version: number; name: string; sql: string };

export const postgresMigrations: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'initial schema, as SQLite version 2',
    // Mirrors the SQLite schema. Ids and names collate "C" (code-unit order, as SQLite's BINARY), so
    // listings sort the same on every backend. `position` (an identity) keeps first-written order
    // through upserts. JSON columns are `json`, not `jsonb`: `json` keeps the text as written (key
    // order, and the \u0000 escape that jsonb refuses).
    sql: `
      CREATE TABLE projects (
        name TEXT COLLATE "C" PRIMARY KEY,
        path TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );

      CREATE TABLE conversations (
        id TEXT COLLATE "C" PRIMARY KEY,
        project_name TEXT COLLATE "C" NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
        title TEXT NOT NULL,
        model TEXT NOT NULL,
        system_prompt TEXT NOT NULL,
        busy_policy TEXT NOT NULL,
        usage JSON NOT NULL,
        cost JSON,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        last_seq BIGINT NOT NULL DEFAULT 0
      );
      CREATE INDEX conversations_updated ON conversations (updated_at DESC, id DESC);
      CREATE INDEX conversations_project_updated ON conversations (project_name, updated_at DESC, id DESC);

      CREATE TABLE messages (
        position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT COLLATE "C" NOT NULL UNIQUE,
        conversation_id TEXT COLLATE "C" NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        role TEXT NOT NULL,
        parts JSON NOT NULL,
        status TEXT NOT NULL,
        run_id TEXT,
        model TEXT,
        usage JSON,
        cost JSON,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX messages_conversation ON messages (conversation_id, created_at, position);

      CREATE TABLE runs (
        position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT COLLATE "C" NOT NULL UNIQUE,
        conversation_id TEXT COLLATE "C" NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        status TEXT NOT NULL,
        trigger_kind TEXT NOT NULL,
        model TEXT NOT NULL,
        user_message_id TEXT,
        assistant_message_id TEXT,
        input JSON,
        client_request_id TEXT,
        finish_reason TEXT,
        usage JSON NOT NULL,
        cost JSON,
        attempts INTEGER NOT NULL,
        steps INTEGER NOT NULL,
        error JSON,
        agent_session_id TEXT,
        created_at BIGINT NOT NULL,
        started_at BIGINT,
        ended_at BIGINT
      );
      CREATE UNIQUE INDEX runs_client_request ON runs (conversation_id, client_request_id)
        WHERE client_request_id IS NOT NULL;
      CREATE INDEX runs_status ON runs (status, created_at, position);
      CREATE INDEX runs_conversation ON runs (conversation_id, created_at, position);
    `,
  },
  {
    version: 2,
    name: 'run claims and stop requests for workers in several processes',
    // claim_attempt: the attempt that may write the run (fenced commits); 0 until a worker claims it.
    // stop_requested_at: a stop asked for on any node, found by the worker that holds (or next takes) the run.
    sql: `
      ALTER TABLE runs ADD COLUMN claim_attempt INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE runs ADD COLUMN stop_requested_at BIGINT;
    `,
  },
  {
    version: 3,
    name: 'approvals, and remembered answers to them per conversation (as SQLite version 3)',
    // The record is stored whole as JSON; the columns beside it are what queries select on.
    sql: `
      ALTER TABLE conversations ADD COLUMN tool_rules JSON;

      CREATE TABLE approvals (
        position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT COLLATE "C" NOT NULL UNIQUE,
        conversation_id TEXT COLLATE "C" NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        run_id TEXT NOT NULL,
        status TEXT NOT NULL,
        requested_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        record JSON NOT NULL
      );
      CREATE INDEX approvals_conversation ON approvals (conversation_id, requested_at, position);
      CREATE INDEX approvals_status ON approvals (status, requested_at, position);
    `,
  },
  {
    version: 4,
    name: 'message branches (as SQLite version 4)',
    sql: `
      ALTER TABLE messages ADD COLUMN parent_id TEXT COLLATE "C";
      ALTER TABLE conversations ADD COLUMN active_message_id TEXT COLLATE "C";
    `,
  },
  {
    version: 5,
    name: 'full-text search of message text (tsvector; as SQLite version 5)',
    // search_text: the message's words, lower-case, written by the store (store/search-text.ts),
    // NULL while it streams. The 'simple' configuration keeps every word as written (no stemming,
    // no stop words), as SQLite's FTS5 does. Messages written before this version get an
    // approximation made in SQL (Postgres' own lower-casing; punctuation left to its parser).
    sql: `
      ALTER TABLE messages ADD COLUMN search_text TEXT;
      UPDATE messages SET search_text = (
        SELECT lower(string_agg(part->>'text', ' ')) FROM json_array_elements(parts) AS part WHERE part->>'kind' = 'text'
      ) WHERE status <> 'streaming';
      CREATE INDEX messages_search ON messages USING GIN (to_tsvector('simple', coalesce(search_text, '')));
    `,
  },
  {
    version: 6,
    name: 'durable event journal: events per conversation, epochs, history marker (as SQLite version 4)',
    // A heap table is already kept in insertion order, so a group commit appends to its last pages;
    // the primary key (conversation_id, seq) serves the per-conversation reads and refuses a seq
    // twice. No foreign key: a check per event, and one bad row would fail a whole group commit.
    // The trigger deletes a conversation's events and epoch with it (also through a project's
    // cascade). journal_meta holds which history of the database the epochs were issued in
    // (postgres-journal.ts).
    sql: `
      CREATE TABLE journal (
        conversation_id TEXT COLLATE "C" NOT NULL,
        seq BIGINT NOT NULL,
        bytes INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (conversation_id, seq)
      );

      CREATE TABLE journal_epochs (
        conversation_id TEXT COLLATE "C" PRIMARY KEY,
        epoch TEXT NOT NULL
      );

      CREATE TABLE journal_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      CREATE FUNCTION conversations_delete_journal() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM journal WHERE conversation_id = OLD.id;
        DELETE FROM journal_epochs WHERE conversation_id = OLD.id;
        RETURN OLD;
      END
      $$;
      CREATE TRIGGER conversations_delete_journal AFTER DELETE ON conversations
        FOR EACH ROW EXECUTE FUNCTION conversations_delete_journal();
    `,
  },
];

export const latestPostgresSchemaVersion = postgresMigrations.length;

/** Serialises migrations between processes that start at once (two nodes of one cluster). */
const migrationLock = "hashtext('confab.schema_migrations')";

/**
 * Brings the schema (in the connection's search_path) up to the latest version in one transaction,
 * under an advisory lock. Refuses a database written by a newer Confab rather than guessing.
 */
export async function migratePostgres(
  pool: Pick<Pool, 'connect'>,
  options: { now: () => number; list?: readonly PostgresMigration[] },
): Promise<void> {
  const list = options.list ?? postgresMigrations;
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(${migrationLock})`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at BIGINT NOT NULL
    )`);
    const current = await currentPostgresVersion(client);
    if (current > list.length) {
      throw new Error(
        `Postgres database schema is at version ${current}, but this Confab only knows up to version ${list.length}; ` +
          'upgrade Confab or use another database',
      );
    }
    for (const migration of list) {
      if (migration.version <= current) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        options.now(),
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw error;
  } finally {
    client.release(broken);
  }
}

export async function currentPostgresVersion(client: Pick<PoolClient, 'query'>): Promise<number> {
  const { rows } = await client.query<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations');
  return rows[0]?.version ?? 0;
}
