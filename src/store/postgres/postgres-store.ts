import type { Pool, QueryResultRow } from 'pg';
import { ConfabError } from '../../domain/errors.ts';
import type { Approval, ApprovalStatus } from '../../domain/approval-schemas.ts';
import type { Conversation, Message, Project, Run } from '../../domain/schemas.ts';
import type { CheckpointStore } from '../checkpoint-commits.ts';
import type { RunClaimState, RunClaimStore, RunFence } from '../run-claims.ts';
import { searchHit } from '../search-text.ts';
import type { ConversationQuery, ConversationSummary, MessageSearchHit, MessageSearchQuery, Store, StoreBatch } from '../store.ts';
import { writeCheckpoint } from './postgres-checkpoints.ts';
import { inTransaction, type Queryable } from './postgres-transaction.ts';
import { migratePostgres } from './postgres-migrations.ts';
import {
  approvalFromRow,
  approvalParams,
  conversationFromRow,
  conversationParams,
  messageFromRow,
  messageParams,
  projectFromRow,
  runFromRow,
  runParams,
  upsertApproval,
  upsertConversation,
  upsertMessage,
  upsertRun,
} from './postgres-rows.ts';

/** The slice of a `pg` Pool the store uses. */
export type PostgresPool = Pick<Pool, 'query' | 'connect' | 'end'>;

export type PostgresStoreOptions = {
  /**
   * The pool the store queries, made by the caller (connection string, size, TLS, search_path are
   * the caller's). `close()` ends it, as Kysely's `destroy()` ends its pool: give the store its own.
   */
  pool: PostgresPool;
  /** Clock for migration records and stop requests. */
  now?: () => number;
};

/**
 * The Store on Postgres, for several server and worker processes sharing one database. Same schema
 * and semantics as the SQLite store, plus run claims, fenced commits and durable stop requests
 * (see run-claims.ts).
 */
export class PostgresStore implements Store, RunClaimStore, CheckpointStore {
  readonly #pool: PostgresPool;
  readonly #now: () => number;
  #state: 'new' | 'open' | 'closed' = 'new';

  constructor(options: PostgresStoreOptions) {
    this.#pool = options.pool;
    this.#now = options.now ?? Date.now;
  }

  async init(): Promise<void> {
    if (this.#state === 'open') return;
    if (this.#state === 'closed') throw new Error('PostgresStore is closed');
    await migratePostgres(this.#pool, { now: this.#now });
    this.#state = 'open';
  }

  /** The open pool, for what lives beside the records in the same database (the event journal). */
  get pool(): PostgresPool {
    return this.#open();
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    await this.#pool.end();
  }

  async createProject(project: Project): Promise<void> {
    await this.#query('INSERT INTO projects (name, path, created_at) VALUES ($1, $2, $3)', [project.name, project.path, project.createdAt]);
  }

  async getProject(name: string): Promise<Project | undefined> {
    const [row] = await this.#rows('SELECT * FROM projects WHERE name = $1', [name]);
    return row && projectFromRow(row);
  }

  async listProjects(): Promise<Project[]> {
    return (await this.#rows('SELECT * FROM projects ORDER BY name', [])).map(projectFromRow);
  }

  async deleteProject(name: string): Promise<boolean> {
    return (await this.#query('DELETE FROM projects WHERE name = $1', [name])) > 0;
  }

  async getConversation(id: string): Promise<Conversation | undefined> {
    const [row] = await this.#rows('SELECT * FROM conversations WHERE id = $1', [id]);
    return row && conversationFromRow(row);
  }

  async listConversations(query: ConversationQuery): Promise<ConversationSummary[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.projectName !== undefined) {
      params.push(query.projectName);
      where.push(`project_name = $${params.length}`);
    }
    if (query.before !== undefined) {
      params.push(query.before);
      where.push(`updated_at < $${params.length}`);
    }
    params.push(Math.max(0, Math.trunc(query.limit)));
    const sql =
      'SELECT c.*, (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id)::int AS message_count ' +
      `FROM conversations c ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      `ORDER BY updated_at DESC, id DESC LIMIT $${params.length}`;
    return (await this.#rows(sql, params)).map((row) => ({ ...conversationFromRow(row), messageCount: row.message_count as number }));
  }

  async deleteConversation(id: string): Promise<boolean> {
    return (await this.#query('DELETE FROM conversations WHERE id = $1', [id])) > 0;
  }

  async listMessages(conversationId: string): Promise<Message[]> {
    const sql = 'SELECT * FROM messages WHERE conversation_id = $1 ORDER BY created_at, position';
    return (await this.#rows(sql, [conversationId])).map(messageFromRow);
  }

  async searchMessages(query: MessageSearchQuery): Promise<MessageSearchHit[]> {
    // Terms are letters and digits only (searchTerms), so `term:*` is a well-formed prefix query.
    const tsquery = query.terms.map((term) => `${term}:*`).join(' & ');
    const sql =
      'SELECT m.id, m.role, m.parts, m.created_at, c.id AS conversation_id, c.title, c.project_name ' +
      'FROM messages m JOIN conversations c ON c.id = m.conversation_id ' +
      "WHERE to_tsvector('simple', coalesce(m.search_text, '')) @@ to_tsquery('simple', $1) " +
      `${query.projectName === undefined ? '' : 'AND c.project_name = $3 '}` +
      'ORDER BY m.created_at DESC, m.position DESC LIMIT $2';
    const rows = await this.#rows(sql, [tsquery, Math.max(0, query.limit), ...(query.projectName === undefined ? [] : [query.projectName])]);
    return rows.map((row) =>
      searchHit(
        { id: row.id as string, role: row.role as MessageSearchHit['role'], parts: row.parts as Message['parts'], createdAt: Number(row.created_at) },
        { id: row.conversation_id as string, title: row.title as string, projectName: row.project_name as string },
        query.terms,
      ),
    );
  }

  async getRun(id: string): Promise<Run | undefined> {
    const [row] = await this.#rows('SELECT * FROM runs WHERE id = $1', [id]);
    return row && runFromRow(row);
  }

  async listRuns(conversationId: string, statuses?: Run['status'][]): Promise<Run[]> {
    if (statuses === undefined) {
      return (await this.#rows('SELECT * FROM runs WHERE conversation_id = $1 ORDER BY created_at, position', [conversationId])).map(runFromRow);
    }
    const sql = 'SELECT * FROM runs WHERE conversation_id = $1 AND status = ANY($2::text[]) ORDER BY created_at, position';
    return (await this.#rows(sql, [conversationId, statuses])).map(runFromRow);
  }

  async findRunByClientRequestId(conversationId: string, clientRequestId: string): Promise<Run | undefined> {
    const [row] = await this.#rows('SELECT * FROM runs WHERE conversation_id = $1 AND client_request_id = $2', [conversationId, clientRequestId]);
    return row && runFromRow(row);
  }

  async listRunsByStatus(statuses: Run['status'][]): Promise<Run[]> {
    const sql = 'SELECT * FROM runs WHERE status = ANY($1::text[]) ORDER BY created_at, position';
    return (await this.#rows(sql, [statuses])).map(runFromRow);
  }

  async getApproval(id: string): Promise<Approval | undefined> {
    const [row] = await this.#rows('SELECT record FROM approvals WHERE id = $1', [id]);
    return row && approvalFromRow(row);
  }

  async listApprovals(conversationId: string, statuses?: ApprovalStatus[]): Promise<Approval[]> {
    if (statuses === undefined) {
      return (await this.#rows('SELECT record FROM approvals WHERE conversation_id = $1 ORDER BY requested_at, position', [conversationId])).map(approvalFromRow);
    }
    const sql = 'SELECT record FROM approvals WHERE conversation_id = $1 AND status = ANY($2::text[]) ORDER BY requested_at, position';
    return (await this.#rows(sql, [conversationId, statuses])).map(approvalFromRow);
  }

  async listApprovalsByStatus(statuses: ApprovalStatus[]): Promise<Approval[]> {
    const sql = 'SELECT record FROM approvals WHERE status = ANY($1::text[]) ORDER BY requested_at, position';
    return (await this.#rows(sql, [statuses])).map(approvalFromRow);
  }

  async getLastSeq(conversationId: string): Promise<number> {
    const [row] = await this.#rows('SELECT last_seq FROM conversations WHERE id = $1', [conversationId]);
    return row ? Number(row.last_seq) : 0;
  }

  async commit(batch: StoreBatch, fence?: RunFence): Promise<void> {
    // The rows are made now, when called: the caller may change its records at once (store.ts).
    // Conversations first: messages and runs in the same batch may belong to them.
    const upserts: [string, unknown[]][] = [
      ...(batch.conversations ?? []).map((conversation) => [upsertConversation, conversationParams(conversation)] as [string, unknown[]]),
      ...(batch.messages ?? []).map((message) => [upsertMessage, messageParams(message)] as [string, unknown[]]),
      ...(batch.runs ?? []).map((run) => [upsertRun, runParams(run)] as [string, unknown[]]),
      ...(batch.approvals ?? []).map((approval) => [upsertApproval, approvalParams(approval)] as [string, unknown[]]),
    ];
    const lastSeqs = Object.entries(batch.lastSeq ?? {});
    await this.#transaction(async (client) => {
      for (const [sql, params] of upserts) await client.query(sql, params);
      for (const [conversationId, seq] of lastSeqs) {
        const { rowCount } = await client.query('UPDATE conversations SET last_seq = $1 WHERE id = $2', [seq, conversationId]);
        if (rowCount === 0) throw new Error(`lastSeq given for unknown conversation ${conversationId}`);
      }
      // The fence is checked last, locking the run row until COMMIT: the same lock order as any other
      // batch (conversation, messages, runs), and a claim either committed before this (refused here)
      // or waits for this transaction to end.
      if (fence) await assertFence(client, fence);
    });
  }

  /** A forward-only checkpoint for nodes sharing conversations (see checkpoint-commits.ts). */
  async commitCheckpoint(given: StoreBatch, givenAhead?: StoreBatch, fence?: RunFence): Promise<{ dropped: string[] }> {
    // Copied now, when called: the caller may change its records at once; this reads them after awaits.
    const [checkpoint, ahead] = [structuredClone(given), givenAhead && structuredClone(givenAhead)];
    let dropped: string[] = [];
    for (let tries = 1; ; tries++) {
      try {
        await this.#transaction(async (client) => {
          dropped = await writeCheckpoint(client, checkpoint, ahead);
          // Last, as in `commit`: a run's end written by a worker that was replaced meanwhile is refused whole.
          if (fence) await assertFence(client, fence);
        });
        return { dropped };
      } catch (error) {
        // A deadlock with another kind of batch (which locks in its own order): Postgres rolled this one back.
        if ((error as { code?: string }).code !== '40P01' || tries === 3) throw error;
      }
    }
  }

  async claimRun(runId: string, options: { expectedAttempt?: number } = {}): Promise<RunClaimState | undefined> {
    const expected = options.expectedAttempt;
    const sql =
      'UPDATE runs SET claim_attempt = claim_attempt + 1 WHERE id = $1' +
      (expected === undefined ? '' : ' AND claim_attempt = $2') +
      ' RETURNING claim_attempt, stop_requested_at';
    const [row] = await this.#rows(sql, expected === undefined ? [runId] : [runId, expected]);
    return row && claimFromRow(row);
  }

  async claimRunAttempt(runId: string, attempt: number): Promise<'claimed' | 'stale' | 'missing'> {
    const [row] = await this.#rows('UPDATE runs SET claim_attempt = GREATEST(claim_attempt, $2) WHERE id = $1 RETURNING claim_attempt', [runId, attempt]);
    return row === undefined ? 'missing' : Number(row.claim_attempt) === attempt ? 'claimed' : 'stale';
  }

  async getRunClaim(runId: string): Promise<RunClaimState | undefined> {
    const [row] = await this.#rows('SELECT claim_attempt, stop_requested_at FROM runs WHERE id = $1', [runId]);
    return row && claimFromRow(row);
  }

  async requestStop(runId: string): Promise<number | undefined> {
    const sql = 'UPDATE runs SET stop_requested_at = COALESCE(stop_requested_at, $2) WHERE id = $1 RETURNING stop_requested_at';
    const [row] = await this.#rows(sql, [runId, this.#now()]);
    return row && Number(row.stop_requested_at);
  }

  #open(): PostgresPool {
    if (this.#state !== 'open') throw new Error('PostgresStore is not open: call init() first');
    return this.#pool;
  }

  async #rows(sql: string, params: unknown[]): Promise<QueryResultRow[]> {
    return (await this.#open().query(sql, params)).rows;
  }

  async #query(sql: string, params: unknown[]): Promise<number> {
    return (await this.#open().query(sql, params)).rowCount ?? 0;
  }

  #transaction(work: (client: Queryable) => Promise<void>): Promise<void> {
    return inTransaction(this.#open(), work);
  }
}

async function assertFence(client: Queryable, fence: RunFence): Promise<void> {
  const { rows } = await client.query('SELECT claim_attempt FROM runs WHERE id = $1 FOR UPDATE', [fence.runId]);
  const current = rows[0] === undefined ? undefined : Number(rows[0].claim_attempt);
  // Attempt 0 is "never claimed": no worker holds it.
  if (current === undefined || current < 1 || current !== fence.attempt) {
    throw new ConfabError(
      'stale_fence',
      `Attempt ${fence.attempt} of run ${fence.runId} is no longer the one that may write: another worker took the run over.`,
    );
  }
}

function claimFromRow(row: QueryResultRow): RunClaimState {
  return { attempt: Number(row.claim_attempt), stopRequestedAt: row.stop_requested_at === null ? null : Number(row.stop_requested_at) };
}
