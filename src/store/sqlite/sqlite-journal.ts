import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Journal, JournalEntry, JournalHead, JournalRow } from '../journal.ts';
import { currentBootId } from './boot-id.ts';
import { WalCheckpointer } from './wal-checkpointer.ts';

export type SqliteJournalOptions = {
  /** The store's open database (`SqliteStore.database`): the journal lives beside the records. */
  database: DatabaseSync;
  /** This boot of the OS (boot-id.ts); injected by tests that play a power loss. */
  bootId?: string;
  /** Run the WAL checkpoints in a worker thread (wal-checkpointer.ts) instead of on the committing thread. */
  checkpointInWorker?: boolean;
  /** The worker failed (the writer's backstop checkpoints then). */
  onError?: (error: unknown) => void;
};

/**
 * The event journal in the SQLite file (tables from migration 4). The database runs in WAL mode
 * with `synchronous = NORMAL`: a committed transaction survives the process being killed (it is
 * in the OS's cache, written to the WAL) but not necessarily a power loss or OS crash, which can
 * take back the last transactions before the next WAL sync (a checkpoint). SQLite's WAL keeps a
 * prefix: what survives is everything up to some commit.
 *
 * So the journal records which boot of the OS wrote it (`journal_meta.boot`, written with a full
 * sync at open, before any event) and `clean` at a clean close. Opened after another boot without
 * a clean close, it forgets every conversation's epoch: events acknowledged then may be gone, and
 * cursors issued then must not be replayed against what survived.
 */
export class SqliteJournal implements Journal {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  readonly #checkpointer: WalCheckpointer | undefined;
  #writes = 0;

  constructor(options: SqliteJournalOptions) {
    this.#db = options.database;
    this.#markBoot(options.bootId ?? currentBootId());
    this.#checkpointer = options.checkpointInWorker ? WalCheckpointer.start(options.database, { onError: options.onError }) : undefined;
  }

  get writes(): number {
    return this.#writes;
  }

  async write(entries: JournalEntry[]): Promise<void> {
    const insert = this.#statement('INSERT INTO journal (conversation_id, seq, bytes, body) VALUES (?, ?, ?, ?)');
    this.#transaction(() => {
      for (const entry of entries) insert.run(entry.conversationId, entry.seq, entry.bytes, entry.body);
    });
    this.#writes++;
  }

  async read(conversationId: string, after: number): Promise<JournalRow[]> {
    const rows = this.#statement('SELECT seq, body FROM journal WHERE conversation_id = ? AND seq > ? ORDER BY seq').all(conversationId, after) as JournalRow[];
    return rows.map(({ seq, body }) => ({ seq, body }));
  }

  async head(conversationId: string): Promise<JournalHead> {
    const epoch = this.#statement('SELECT epoch FROM journal_epochs WHERE conversation_id = ?').get(conversationId) as { epoch: string } | undefined;
    const range = this.#statement('SELECT MIN(seq) AS first, MAX(seq) AS last, TOTAL(bytes) AS bytes FROM journal WHERE conversation_id = ?').get(conversationId) as {
      first: number | null;
      last: number | null;
      bytes: number;
    };
    return { epoch: epoch?.epoch, firstSeq: range.first ?? undefined, lastSeq: range.last ?? undefined, bytes: range.bytes };
  }

  async setEpoch(conversationId: string, epoch: string): Promise<void> {
    this.#statement('INSERT INTO journal_epochs (conversation_id, epoch) VALUES (?, ?) ON CONFLICT (conversation_id) DO UPDATE SET epoch = excluded.epoch').run(conversationId, epoch);
  }

  async trim(conversationId: string, through: number): Promise<number> {
    let dropped = 0;
    this.#transaction(() => {
      const sum = this.#statement('SELECT TOTAL(bytes) AS bytes FROM journal WHERE conversation_id = ? AND seq <= ?').get(conversationId, through) as { bytes: number };
      this.#statement('DELETE FROM journal WHERE conversation_id = ? AND seq <= ?').run(conversationId, through);
      dropped = sum.bytes;
    });
    return dropped;
  }

  async cutForBytes(conversationId: string, maxBytes: number): Promise<number | undefined> {
    const sql =
      'SELECT seq FROM (SELECT seq, SUM(bytes) OVER (ORDER BY seq DESC) AS suffix FROM journal WHERE conversation_id = ?) ' +
      'WHERE suffix > ? ORDER BY seq DESC LIMIT 1';
    const row = this.#statement(sql).get(conversationId, maxBytes) as { seq: number } | undefined;
    return row?.seq;
  }

  async conversationsAhead(): Promise<string[]> {
    const sql = 'SELECT c.id FROM conversations c WHERE EXISTS (SELECT 1 FROM journal j WHERE j.conversation_id = c.id AND j.seq > c.last_seq)';
    return (this.#statement(sql).all() as { id: string }[]).map((row) => row.id);
  }

  /**
   * Stops the checkpoint worker and marks a clean close: every transaction before the mark is kept
   * whenever the mark is (WAL prefix). Call before the store closes the database.
   */
  async close(): Promise<void> {
    await this.#checkpointer?.close();
    if (!this.#db.isOpen) return;
    this.#setMeta('boot', 'clean');
  }

  #markBoot(bootId: string): void {
    const stored = this.#db.prepare("SELECT value FROM journal_meta WHERE key = 'boot'").get() as { value: string } | undefined;
    if (stored !== undefined && stored.value !== 'clean' && stored.value !== bootId) this.#db.exec('DELETE FROM journal_epochs');
    // Durable before any event is written: a power loss must not take it back and leave `clean`.
    this.#db.exec('PRAGMA synchronous = FULL');
    try {
      this.#setMeta('boot', bootId);
    } finally {
      this.#db.exec('PRAGMA synchronous = NORMAL');
    }
  }

  #setMeta(key: string, value: string): void {
    this.#db.prepare('INSERT INTO journal_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  #transaction(body: () => void): void {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      body();
      this.#db.exec('COMMIT');
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}
