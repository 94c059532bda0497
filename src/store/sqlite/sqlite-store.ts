import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type { Approval, ApprovalStatus } from '../../domain/approval-schemas.ts';
import type { Conversation, Message, Project, Run } from '../../domain/schemas.ts';
import { searchHit } from '../search-text.ts';
import type { ConversationQuery, ConversationSummary, MessageSearchHit, MessageSearchQuery, Store, StoreBatch } from '../store.ts';
import { migrate } from './migrations.ts';
import { configureConnection } from './sqlite-connection.ts';
import { approvalFromRow, conversationFromRow, messageFromRow, projectFromRow, runFromRow } from './sqlite-rows.ts';
import { Statements } from './sqlite-statements.ts';
import { InlineWriter, WorkerWriter, type SqliteWriter } from './sqlite-writer.ts';

export type SqliteStoreOptions = {
  /** The database file (its directory is created when missing), or `':memory:'`. */
  path: string;
  /** Milliseconds a writer waits for another process's lock before failing. Default 5000. */
  busyTimeoutMs?: number;
  /** Clock for migration records. */
  now?: () => number;
  /**
   * Who writes: `inline` (default) on this thread's connection, synchronously; `worker` on a worker
   * thread's own connection (sqlite-writer.ts), so commits and WAL checkpoints never block the event
   * loop. A file only: an in-memory database is always written inline.
   */
  writer?: 'inline' | 'worker';
  /** The worker writer's thread failed (its writes in flight were refused). */
  onWriterError?: (error: unknown) => void;
};

type Row = Record<string, string | number | null>;

/**
 * The embedded Store: one SQLite file through the built-in `node:sqlite`. Reads run on this
 * thread's connection; writes go through a `SqliteWriter` (inline, or a worker thread), in the
 * order called, and every read first waits for the writes called before it.
 */
export class SqliteStore implements Store {
  readonly #options: SqliteStoreOptions;
  #db: DatabaseSync | undefined;
  #statements: Statements | undefined;
  #writer: SqliteWriter | undefined;

  constructor(options: SqliteStoreOptions) {
    this.#options = options;
  }

  async init(): Promise<void> {
    if (this.#db) return;
    const { path } = this.#options;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new DatabaseSync(path);
    const busyTimeoutMs = this.#options.busyTimeoutMs ?? 5000;
    try {
      configureConnection(db, busyTimeoutMs);
      migrate(db, { now: this.#options.now ?? Date.now });
    } catch (error) {
      db.close();
      throw error;
    }
    this.#db = db;
    this.#statements = new Statements(db);
    this.#writer =
      this.#options.writer === 'worker' && path !== ':memory:'
        ? new WorkerWriter(path, { busyTimeoutMs, onError: this.#options.onWriterError })
        : new InlineWriter(this.#statements);
  }

  /** The open database (this thread's connection), for what lives beside the records in the same file (the event journal). */
  get database(): DatabaseSync {
    return this.#open();
  }

  /** Where writes to the file go, for what lives beside the records (the event journal): its writes join the same queue. */
  get writer(): SqliteWriter {
    this.#open();
    return this.#writer!;
  }

  /** Settles the writes in flight, then closes both connections. */
  async close(): Promise<void> {
    await this.#writer?.close();
    this.#writer = undefined;
    this.#statements?.clear();
    this.#statements = undefined;
    this.#db?.close();
    this.#db = undefined;
  }

  async createProject(project: Project): Promise<void> {
    await this.#write('INSERT INTO projects (name, path, created_at) VALUES (?, ?, ?)', [project.name, project.path, project.createdAt]);
  }

  async getProject(name: string): Promise<Project | undefined> {
    const row = await this.#get('SELECT * FROM projects WHERE name = ?', [name]);
    return row && projectFromRow(row);
  }

  async listProjects(): Promise<Project[]> {
    return (await this.#all('SELECT * FROM projects ORDER BY name', [])).map(projectFromRow);
  }

  async deleteProject(name: string): Promise<boolean> {
    return (await this.#write('DELETE FROM projects WHERE name = ?', [name])) > 0;
  }

  async getConversation(id: string): Promise<Conversation | undefined> {
    const row = await this.#get('SELECT * FROM conversations WHERE id = ?', [id]);
    return row && conversationFromRow(row);
  }

  async listConversations(query: ConversationQuery): Promise<ConversationSummary[]> {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (query.projectName !== undefined) {
      where.push('project_name = ?');
      params.push(query.projectName);
    }
    if (query.before !== undefined) {
      where.push('updated_at < ?');
      params.push(query.before);
    }
    const sql =
      'SELECT c.*, (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count ' +
      `FROM conversations c ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      'ORDER BY updated_at DESC, id DESC LIMIT ?';
    return (await this.#all(sql, [...params, Math.max(0, query.limit)])).map((row) => ({
      ...conversationFromRow(row),
      messageCount: row.message_count as number,
    }));
  }

  async deleteConversation(id: string): Promise<boolean> {
    return (await this.#write('DELETE FROM conversations WHERE id = ?', [id])) > 0;
  }

  async listMessages(conversationId: string): Promise<Message[]> {
    const sql = 'SELECT * FROM messages WHERE conversation_id = ? ORDER BY created_at, position';
    return (await this.#all(sql, [conversationId])).map(messageFromRow);
  }

  async searchMessages(query: MessageSearchQuery): Promise<MessageSearchHit[]> {
    const match = query.terms.map((term) => `"${term.replaceAll('"', '""')}"*`).join(' ');
    const sql =
      'SELECT m.id, m.role, m.parts, m.created_at, c.id AS conversation_id, c.title, c.project_name ' +
      'FROM message_search JOIN messages m ON m.position = message_search.rowid JOIN conversations c ON c.id = m.conversation_id ' +
      `WHERE message_search MATCH ? ${query.projectName === undefined ? '' : 'AND c.project_name = ? '}` +
      'ORDER BY m.created_at DESC, m.position DESC LIMIT ?';
    const params = [match, ...(query.projectName === undefined ? [] : [query.projectName]), Math.max(0, query.limit)];
    return (await this.#all(sql, params)).map((row) =>
      searchHit(
        { id: row.id as string, role: row.role as MessageSearchHit['role'], parts: JSON.parse(row.parts as string), createdAt: row.created_at as number },
        { id: row.conversation_id as string, title: row.title as string, projectName: row.project_name as string },
        query.terms,
      ),
    );
  }

  async getRun(id: string): Promise<Run | undefined> {
    const row = await this.#get('SELECT * FROM runs WHERE id = ?', [id]);
    return row && runFromRow(row);
  }

  async listRuns(conversationId: string, statuses?: Run['status'][]): Promise<Run[]> {
    if (statuses === undefined) {
      return (await this.#all('SELECT * FROM runs WHERE conversation_id = ? ORDER BY created_at, position', [conversationId])).map(runFromRow);
    }
    if (statuses.length === 0) return [];
    const sql = `SELECT * FROM runs WHERE conversation_id = ? AND status IN (${placeholders(statuses)}) ORDER BY created_at, position`;
    return (await this.#all(sql, [conversationId, ...statuses])).map(runFromRow);
  }

  async findRunByClientRequestId(conversationId: string, clientRequestId: string): Promise<Run | undefined> {
    const row = await this.#get('SELECT * FROM runs WHERE conversation_id = ? AND client_request_id = ?', [conversationId, clientRequestId]);
    return row && runFromRow(row);
  }

  async listRunsByStatus(statuses: Run['status'][]): Promise<Run[]> {
    if (statuses.length === 0) return [];
    const sql = `SELECT * FROM runs WHERE status IN (${placeholders(statuses)}) ORDER BY created_at, position`;
    return (await this.#all(sql, statuses)).map(runFromRow);
  }

  async getApproval(id: string): Promise<Approval | undefined> {
    const row = await this.#get('SELECT record FROM approvals WHERE id = ?', [id]);
    return row && approvalFromRow(row);
  }

  async listApprovals(conversationId: string, statuses?: ApprovalStatus[]): Promise<Approval[]> {
    if (statuses === undefined) {
      return (await this.#all('SELECT record FROM approvals WHERE conversation_id = ? ORDER BY requested_at, position', [conversationId])).map(approvalFromRow);
    }
    if (statuses.length === 0) return [];
    const sql = `SELECT record FROM approvals WHERE conversation_id = ? AND status IN (${placeholders(statuses)}) ORDER BY requested_at, position`;
    return (await this.#all(sql, [conversationId, ...statuses])).map(approvalFromRow);
  }

  async listApprovalsByStatus(statuses: ApprovalStatus[]): Promise<Approval[]> {
    if (statuses.length === 0) return [];
    const sql = `SELECT record FROM approvals WHERE status IN (${placeholders(statuses)}) ORDER BY requested_at, position`;
    return (await this.#all(sql, statuses)).map(approvalFromRow);
  }

  async getLastSeq(conversationId: string): Promise<number> {
    const row = await this.#get('SELECT last_seq FROM conversations WHERE id = ?', [conversationId]);
    return (row?.last_seq as number | undefined) ?? 0;
  }

  /** The batch is copied (or written) before this returns: the caller may change its records at once. */
  async commit(batch: StoreBatch): Promise<void> {
    await this.writer.write({ kind: 'commit', batch });
  }

  #open(): DatabaseSync {
    if (!this.#db) throw new Error('SqliteStore is not open: call init() first');
    return this.#db;
  }

  #write(sql: string, params: SQLInputValue[]): Promise<number> {
    return this.writer.write({ kind: 'run', sql, params });
  }

  /** A read sees every write called before it. */
  async #get(sql: string, params: SQLInputValue[]): Promise<Row | undefined> {
    await this.writer.pending;
    return this.#statements!.get(sql).get(...params) as Row | undefined;
  }

  async #all(sql: string, params: SQLInputValue[]): Promise<Row[]> {
    await this.writer.pending;
    return this.#statements!.get(sql).all(...params) as Row[];
  }
}

function placeholders(values: unknown[]): string {
  return values.map(() => '?').join(', ');
}
