import type { Pool, PoolClient } from 'pg';
import type { Journal, JournalEntry, JournalHead, JournalRow } from '../journal.ts';
import { confirmCommit } from './postgres-commit-outcome.ts';
import { inTransaction } from './postgres-transaction.ts';

export type PostgresJournalOptions = {
  /** The store's pool (`PostgresStore.pool`): the journal lives beside the records (migration 6). */
  pool: Pick<Pool, 'query' | 'connect'>;
  /**
   * Which history of the database this is (databaseHistory below); injected by tests that play a
   * failover or a restore. Undefined when the server does not tell: nothing is then forgotten.
   */
  history?: string | undefined;
};

const insert = 'INSERT INTO journal (conversation_id, seq, bytes, body) SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::text[])';

/**
 * The event journal in Postgres (tables from migration 6), for a single `confab serve
 * --database-url` (docs/architecture.md, "Durability"). Each `write` is one transaction with
 * `synchronous_commit = on` set for it, whatever the server's or role's default: it resolves once
 * Postgres has flushed the commit to its WAL, so it survives a crash of Confab, of Postgres and of
 * the machine (with `fsync` on and honest disks).
 *
 * What can still take back acknowledged commits is another history of the database: a failover
 * to an asynchronous standby, a point-in-time restore, a restore into a new cluster or database.
 * So the journal records the history it writes in (`journal_meta.history`: the cluster's system
 * identifier, the WAL timeline, the database's oid) and, opened in another, forgets every epoch:
 * cursors issued before get snapshots instead of a replay of a different history.
 */
export class PostgresJournal implements Journal {
  readonly #pool: Pick<Pool, 'query' | 'connect'>;
  #writes = 0;

  private constructor(pool: Pick<Pool, 'query' | 'connect'>) {
    this.#pool = pool;
  }

  /** Opens the journal, forgetting the epochs first when the database is on another history than it was. */
  static async open(options: PostgresJournalOptions): Promise<PostgresJournal> {
    const journal = new PostgresJournal(options.pool);
    const history = 'history' in options ? options.history : await databaseHistory(options.pool);
    if (history !== undefined) await journal.#markHistory(history);
    return journal;
  }

  get writes(): number {
    return this.#writes;
  }

  async write(entries: JournalEntry[]): Promise<void> {
    const columns = [entries.map((entry) => entry.conversationId), entries.map((entry) => entry.seq), entries.map((entry) => entry.bytes), entries.map((entry) => entry.body)];
    await inTransaction(this.#pool, (client) => client.query(insert, columns), {
      begin: 'BEGIN; SET LOCAL synchronous_commit = on',
      // The connection broke while COMMIT was on its way: it may have committed. Say which.
      commitLost: (client, error) => confirmCommit(this.#pool, client, entries[0]!, error),
    });
    this.#writes++;
  }

  async read(conversationId: string, after: number): Promise<JournalRow[]> {
    const { rows } = await this.#pool.query('SELECT seq, body FROM journal WHERE conversation_id = $1 AND seq > $2 ORDER BY seq', [conversationId, after]);
    return rows.map((row) => ({ seq: Number(row.seq), body: row.body as string }));
  }

  async head(conversationId: string): Promise<JournalHead> {
    const sql =
      'SELECT (SELECT epoch FROM journal_epochs WHERE conversation_id = $1) AS epoch, MIN(seq) AS first, MAX(seq) AS last, COALESCE(SUM(bytes), 0) AS bytes ' +
      'FROM journal WHERE conversation_id = $1';
    const [row] = (await this.#pool.query(sql, [conversationId])).rows;
    return {
      epoch: row.epoch ?? undefined,
      firstSeq: row.first === null ? undefined : Number(row.first),
      lastSeq: row.last === null ? undefined : Number(row.last),
      bytes: Number(row.bytes),
    };
  }

  async setEpoch(conversationId: string, epoch: string): Promise<void> {
    await this.#pool.query('INSERT INTO journal_epochs (conversation_id, epoch) VALUES ($1, $2) ON CONFLICT (conversation_id) DO UPDATE SET epoch = excluded.epoch', [conversationId, epoch]);
  }

  async trim(conversationId: string, through: number): Promise<number> {
    const sql = 'WITH dropped AS (DELETE FROM journal WHERE conversation_id = $1 AND seq <= $2 RETURNING bytes) SELECT COALESCE(SUM(bytes), 0) AS bytes FROM dropped';
    const [row] = (await this.#pool.query(sql, [conversationId, through])).rows;
    return Number(row.bytes);
  }

  async cutForBytes(conversationId: string, maxBytes: number): Promise<number | undefined> {
    const sql =
      'SELECT seq FROM (SELECT seq, SUM(bytes) OVER (ORDER BY seq DESC) AS suffix FROM journal WHERE conversation_id = $1) held ' +
      'WHERE suffix > $2 ORDER BY seq DESC LIMIT 1';
    const [row] = (await this.#pool.query(sql, [conversationId, maxBytes])).rows;
    return row === undefined ? undefined : Number(row.seq);
  }

  async conversationsAhead(): Promise<string[]> {
    const sql = 'SELECT c.id FROM conversations c WHERE EXISTS (SELECT 1 FROM journal j WHERE j.conversation_id = c.id AND j.seq > c.last_seq) ORDER BY c.id';
    return (await this.#pool.query(sql)).rows.map((row) => row.id as string);
  }

  /** Nothing to mark: every commit is durable on its own. The pool is the store's, closed with it. */
  async close(): Promise<void> {}

  async #markHistory(history: string): Promise<void> {
    await inTransaction(this.#pool, async (client) => {
      const { rows } = await client.query("SELECT value FROM journal_meta WHERE key = 'history' FOR UPDATE");
      if (rows[0] !== undefined && rows[0].value !== history) await client.query('DELETE FROM journal_epochs');
      await client.query("INSERT INTO journal_meta (key, value) VALUES ('history', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [history]);
    });
  }
}

/**
 * `<system identifier>/<timeline>/<database oid>`: changes when the database could have lost
 * commits it acknowledged (a promoted standby or a point-in-time recovery starts a new timeline; a
 * restored copy runs in another cluster or database). Undefined when the server refuses to say
 * (a hosted Postgres may restrict these functions).
 */
export async function databaseHistory(pool: Pick<PoolClient, 'query'>): Promise<string | undefined> {
  const sql =
    "SELECT (SELECT system_identifier FROM pg_control_system())::text || '/' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) || '/' || " +
    '(SELECT oid FROM pg_database WHERE datname = current_database())::text AS history';
  try {
    const { rows } = await pool.query(sql);
    return rows[0]?.history ?? undefined;
  } catch {
    return undefined;
  }
}
