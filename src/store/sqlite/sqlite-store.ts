import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { Approval, ApprovalStatus } from '../../domain/approval-schemas.ts';
import type { Conversation, Message, Project, Run } from '../../domain/schemas.ts';
import type { ConversationQuery, ConversationSummary, Store, StoreBatch } from '../store.ts';
import { migrate } from './migrations.ts';
import {
  approvalColumns,
  approvalFromRow,
  approvalParams,
  conversationColumns,
  conversationFromRow,
  conversationParams,
  messageColumns,
  messageFromRow,
  messageParams,
  projectFromRow,
  runColumns,
  runFromRow,
  runParams,
  upsertSql,
} from './sqlite-rows.ts';

export type SqliteStoreOptions = {
  /** The database file (its directory is created when missing), or `':memory:'`. */
  path: string;
  /** Milliseconds a writer waits for another process's lock before failing. Default 5000. */
  busyTimeoutMs?: number;
  /** Clock for migration records. */
  now?: () => number;
};

type Row = Record<string, string | number | null>;

const upsertConversation = upsertSql('conversations', conversationColumns);
const upsertMessage = upsertSql('messages', messageColumns);
const upsertRun = upsertSql('runs', runColumns);
const upsertApproval = upsertSql('approvals', approvalColumns);

/** The embedded Store: one SQLite file through the built-in `node:sqlite`. */
export class SqliteStore implements Store {
  readonly #options: SqliteStoreOptions;
  #db: DatabaseSync | undefined;
  readonly #statements = new Map<string, StatementSync>();

  constructor(options: SqliteStoreOptions) {
    this.#options = options;
  }

  async init(): Promise<void> {
    if (this.#db) return;
    const { path } = this.#options;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new DatabaseSync(path);
    try {
      // busy_timeout first, so switching to WAL waits for other processes instead of failing.
      db.exec(`PRAGMA busy_timeout = ${Math.trunc(this.#options.busyTimeoutMs ?? 5000)}`);
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = NORMAL');
      db.exec('PRAGMA foreign_keys = ON');
      migrate(db, { now: this.#options.now ?? Date.now });
    } catch (error) {
      db.close();
      throw error;
    }
    this.#db = db;
  }

  /** The open database, for what lives beside the records in the same file (the event journal). */
  get database(): DatabaseSync {
    return this.#open();
  }

  async close(): Promise<void> {
    this.#statements.clear();
    this.#db?.close();
    this.#db = undefined;
  }

  async createProject(project: Project): Promise<void> {
    this.#run('INSERT INTO projects (name, path, created_at) VALUES (?, ?, ?)', [project.name, project.path, project.createdAt]);
  }

  async getProject(name: string): Promise<Project | undefined> {
    const row = this.#get('SELECT * FROM projects WHERE name = ?', [name]);
    return row && projectFromRow(row);
  }

  async listProjects(): Promise<Project[]> {
    return this.#all('SELECT * FROM projects ORDER BY name', []).map(projectFromRow);
  }

  async deleteProject(name: string): Promise<boolean> {
    return this.#run('DELETE FROM projects WHERE name = ?', [name]) > 0;
  }

  async getConversation(id: string): Promise<Conversation | undefined> {
    const row = this.#get('SELECT * FROM conversations WHERE id = ?', [id]);
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
    return this.#all(sql, [...params, Math.max(0, query.limit)]).map((row) => ({
      ...conversationFromRow(row),
      messageCount: row.message_count as number,
    }));
  }

  async deleteConversation(id: string): Promise<boolean> {
    return this.#run('DELETE FROM conversations WHERE id = ?', [id]) > 0;
  }

  async listMessages(conversationId: string): Promise<Message[]> {
    const sql = 'SELECT * FROM messages WHERE conversation_id = ? ORDER BY created_at, position';
    return this.#all(sql, [conversationId]).map(messageFromRow);
  }

  async getRun(id: string): Promise<Run | undefined> {
    const row = this.#get('SELECT * FROM runs WHERE id = ?', [id]);
    return row && runFromRow(row);
  }

  async listRuns(conversationId: string, statuses?: Run['status'][]): Promise<Run[]> {
    if (statuses === undefined) {
      return this.#all('SELECT * FROM runs WHERE conversation_id = ? ORDER BY created_at, position', [conversationId]).map(runFromRow);
    }
    if (statuses.length === 0) return [];
    const sql = `SELECT * FROM runs WHERE conversation_id = ? AND status IN (${placeholders(statuses)}) ORDER BY created_at, position`;
    return this.#all(sql, [conversationId, ...statuses]).map(runFromRow);
  }

  async findRunByClientRequestId(conversationId: string, clientRequestId: string): Promise<Run | undefined> {
    const row = this.#get('SELECT * FROM runs WHERE conversation_id = ? AND client_request_id = ?', [conversationId, clientRequestId]);
    return row && runFromRow(row);
  }

  async listRunsByStatus(statuses: Run['status'][]): Promise<Run[]> {
    if (statuses.length === 0) return [];
    const sql = `SELECT * FROM runs WHERE status IN (${placeholders(statuses)}) ORDER BY created_at, position`;
    return this.#all(sql, statuses).map(runFromRow);
  }

  async getApproval(id: string): Promise<Approval | undefined> {
    const row = this.#get('SELECT record FROM approvals WHERE id = ?', [id]);
    return row && approvalFromRow(row);
  }

  async listApprovals(conversationId: string, statuses?: ApprovalStatus[]): Promise<Approval[]> {
    if (statuses === undefined) {
      return this.#all('SELECT record FROM approvals WHERE conversation_id = ? ORDER BY requested_at, position', [conversationId]).map(approvalFromRow);
    }
    if (statuses.length === 0) return [];
    const sql = `SELECT record FROM approvals WHERE conversation_id = ? AND status IN (${placeholders(statuses)}) ORDER BY requested_at, position`;
    return this.#all(sql, [conversationId, ...statuses]).map(approvalFromRow);
  }

  async listApprovalsByStatus(statuses: ApprovalStatus[]): Promise<Approval[]> {
    if (statuses.length === 0) return [];
    const sql = `SELECT record FROM approvals WHERE status IN (${placeholders(statuses)}) ORDER BY requested_at, position`;
    return this.#all(sql, statuses).map(approvalFromRow);
  }

  async getLastSeq(conversationId: string): Promise<number> {
    const row = this.#get('SELECT last_seq FROM conversations WHERE id = ?', [conversationId]);
    return (row?.last_seq as number | undefined) ?? 0;
  }

  async commit(batch: StoreBatch): Promise<void> {
    const db = this.#open();
    db.exec('BEGIN IMMEDIATE');
    try {
      // Conversations first: messages and runs in the same batch may belong to them.
      for (const conversation of batch.conversations ?? []) {
        this.#run(upsertConversation, conversationParams(conversation));
      }
      for (const message of batch.messages ?? []) {
        this.#run(upsertMessage, messageParams(message));
      }
      for (const run of batch.runs ?? []) {
        this.#run(upsertRun, runParams(run));
      }
      for (const approval of batch.approvals ?? []) {
        this.#run(upsertApproval, approvalParams(approval));
      }
      for (const [conversationId, seq] of Object.entries(batch.lastSeq ?? {})) {
        if (this.#run('UPDATE conversations SET last_seq = ? WHERE id = ?', [seq, conversationId]) === 0) {
          throw new Error(`lastSeq given for unknown conversation ${conversationId}`);
        }
      }
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }

  #open(): DatabaseSync {
    if (!this.#db) throw new Error('SqliteStore is not open: call init() first');
    return this.#db;
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#open().prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #run(sql: string, params: SQLInputValue[]): number {
    return Number(this.#statement(sql).run(...params).changes);
  }

  #get(sql: string, params: SQLInputValue[]): Row | undefined {
    return this.#statement(sql).get(...params) as Row | undefined;
  }

  #all(sql: string, params: SQLInputValue[]): Row[] {
    return this.#statement(sql).all(...params) as Row[];
  }
}

function placeholders(values: unknown[]): string {
  return values.map(() => '?').join(', ');
}
