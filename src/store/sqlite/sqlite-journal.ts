import type { DatabaseSync } from 'node:sqlite';
import type { Journal, JournalEntry, JournalHead, JournalRow } from '../journal.ts';
import { currentBootId } from './boot-id.ts';
import { Statements } from './sqlite-statements.ts';
import { InlineWriter, type SqliteWriter } from './sqlite-writer.ts';

export type SqliteJournalOptions = {
  /** The store's open database (`SqliteStore.database`): the journal lives beside the records, and reads on this connection. */
  database: DatabaseSync;
  /**
   * Where the journal writes (`SqliteStore.writer`: the store's queue, so records and events are
   * written in the order called). Default: inline on `database`.
   */
  writer?: SqliteWriter;
  /** This boot of the OS (boot-id.ts); injected by tests that play a power loss. */
  bootId?: string;
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
  readonly #statements: Statements;
  readonly #writer: SqliteWriter;
  #writes = 0;

  constructor(options: SqliteJournalOptions) {
    this.#db = options.database;
    this.#statements = new Statements(options.database);
    this.#writer = options.writer ?? new InlineWriter(this.#statements);
    this.#markBoot(options.bootId ?? currentBootId());
  }

  get writes(): number {
    return this.#writes;
  }

  async write(entries: JournalEntry[]): Promise<void> {
    await this.#writer.write({ kind: 'journal-append', entries });
    this.#writes++;
  }

  async read(conversationId: string, after: number): Promise<JournalRow[]> {
    await this.#writer.pending;
    const rows = this.#statement('SELECT seq, body FROM journal WHERE conversation_id = ? AND seq > ? ORDER BY seq').all(conversationId, after) as JournalRow[];
    return rows.map(({ seq, body }) => ({ seq, body }));
  }

  async head(conversationId: string): Promise<JournalHead> {
    await this.#writer.pending;
    const epoch = this.#statement('SELECT epoch FROM journal_epochs WHERE conversation_id = ?').get(conversationId) as { epoch: string } | undefined;
    const range = this.#statement('SELECT MIN(seq) AS first, MAX(seq) AS last, TOTAL(bytes) AS bytes FROM journal WHERE conversation_id = ?').get(conversationId) as {
      first: number | null;
      last: number | null;
      bytes: number;
    };
    return { epoch: epoch?.epoch, firstSeq: range.first ?? undefined, lastSeq: range.last ?? undefined, bytes: range.bytes };
  }

  async setEpoch(conversationId: string, epoch: string): Promise<void> {
    const sql = 'INSERT INTO journal_epochs (conversation_id, epoch) VALUES (?, ?) ON CONFLICT (conversation_id) DO UPDATE SET epoch = excluded.epoch';
    await this.#writer.write({ kind: 'run', sql, params: [conversationId, epoch] });
  }

  trim(conversationId: string, through: number): Promise<number> {
    return this.#writer.write({ kind: 'journal-trim', conversationId, through });
  }

  async cutForBytes(conversationId: string, maxBytes: number): Promise<number | undefined> {
    await this.#writer.pending;
    const sql =
      'SELECT seq FROM (SELECT seq, SUM(bytes) OVER (ORDER BY seq DESC) AS suffix FROM journal WHERE conversation_id = ?) ' +
      'WHERE suffix > ? ORDER BY seq DESC LIMIT 1';
    const row = this.#statement(sql).get(conversationId, maxBytes) as { seq: number } | undefined;
    return row?.seq;
  }

  async conversationsAhead(): Promise<string[]> {
    await this.#writer.pending;
    const sql = 'SELECT c.id FROM conversations c WHERE EXISTS (SELECT 1 FROM journal j WHERE j.conversation_id = c.id AND j.seq > c.last_seq)';
    return (this.#statement(sql).all() as { id: string }[]).map((row) => row.id);
  }

  /**
   * Marks a clean close, after every write called before: every transaction before the mark is
   * kept whenever the mark is (WAL prefix). Call before the store closes the database.
   */
  async close(): Promise<void> {
    if (!this.#db.isOpen) return;
    await this.#writer.write({ kind: 'run', sql: setMetaSql, params: ['boot', 'clean'] });
  }

  /** On this thread's connection, at open: no write of the journal is in flight yet. */
  #markBoot(bootId: string): void {
    const stored = this.#db.prepare("SELECT value FROM journal_meta WHERE key = 'boot'").get() as { value: string } | undefined;
    if (stored !== undefined && stored.value !== 'clean' && stored.value !== bootId) this.#db.exec('DELETE FROM journal_epochs');
    // Durable before any event is written: a power loss must not take it back and leave `clean`.
    this.#db.exec('PRAGMA synchronous = FULL');
    try {
      this.#statement(setMetaSql).run('boot', bootId);
    } finally {
      this.#db.exec('PRAGMA synchronous = NORMAL');
    }
  }

  #statement(sql: string) {
    return this.#statements.get(sql);
  }
}

const setMetaSql = 'INSERT INTO journal_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value';
