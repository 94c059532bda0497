import type { Approval } from '../domain/approval-schemas.ts';
import type { Conversation, Message, Project, Run } from '../domain/schemas.ts';
import { activeMessageFromColumn, parentColumn, parentFromColumn } from './branch-columns.ts';
import { searchableText } from './search-text.ts';

/**
 * The mapping between domain records and table rows, shared by the SQLite and Postgres stores. The
 * two drivers differ only in how a column comes back: node:sqlite returns JSON columns as text and
 * integers as numbers; `pg` parses `json` columns itself and returns BIGINT as a string. Each store
 * passes its column readers.
 */

export type Value = string | number | null;
type Row = Record<string, unknown>;

export type ColumnReaders = {
  /** A JSON column as its value (SQL NULL as null). */
  json<T>(value: unknown): T;
  /** An integer column. */
  int(value: unknown): number;
};

/** JSON text for a JSON column; JavaScript null is SQL NULL. */
export function toJson(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}

/** Column lists in the same order as the *Params functions below. */
export const conversationColumns = [
  'id', 'project_name', 'title', 'model', 'system_prompt', 'busy_policy', 'usage', 'cost', 'tool_rules', 'active_message_id', 'created_at', 'updated_at',
];
export const approvalColumns = ['id', 'conversation_id', 'run_id', 'status', 'requested_at', 'expires_at', 'record'];
export const messageColumns = [
  'id', 'conversation_id', 'role', 'parent_id', 'parts', 'status', 'run_id', 'model', 'usage', 'cost', 'created_at', 'updated_at', 'search_text',
];
export const runColumns = [
  'id', 'conversation_id', 'status', 'trigger_kind', 'model', 'user_message_id', 'assistant_message_id', 'input',
  'client_request_id', 'finish_reason', 'usage', 'cost', 'attempts', 'steps', 'error', 'agent_session_id',
  'created_at', 'started_at', 'ended_at',
];

/**
 * `INSERT … ON CONFLICT (id) DO UPDATE` over the record's columns only: the row keeps its
 * `position` (creation order), and a run keeps its claim and stop flag, which no record carries.
 * `placeholder` is the driver's parameter syntax (`?` or `$1`).
 */
export function upsertSql(table: string, columns: string[], placeholder: (index: number) => string): string {
  const updates = columns.filter((column) => column !== 'id').map((column) => `${column} = excluded.${column}`);
  return (
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, index) => placeholder(index)).join(', ')}) ` +
    `ON CONFLICT (id) DO UPDATE SET ${updates.join(', ')}`
  );
}

export function conversationParams(c: Conversation): Value[] {
  return [c.id, c.projectName, c.title, c.model, c.systemPrompt, c.busyPolicy, toJson(c.usage), toJson(c.cost), toJson(c.toolRules ?? null), c.activeMessageId ?? null, c.createdAt, c.updatedAt];
}

export function messageParams(m: Message): Value[] {
  return [m.id, m.conversationId, m.role, parentColumn(m), toJson(m.parts), m.status, m.runId, m.model, toJson(m.usage), toJson(m.cost), m.createdAt, m.updatedAt, searchableText(m)];
}

export function runParams(r: Run): Value[] {
  return [
    r.id, r.conversationId, r.status, r.trigger, r.model, r.userMessageId, r.assistantMessageId, toJson(r.input),
    r.clientRequestId, r.finishReason, toJson(r.usage), toJson(r.cost), r.attempts, r.steps, toJson(r.error),
    r.agentSessionId, r.createdAt, r.startedAt, r.endedAt,
  ];
}

export function approvalParams(a: Approval): Value[] {
  return [a.id, a.conversationId, a.runId, a.status, a.requestedAt, a.expiresAt, JSON.stringify(a)];
}

/** The row readers of one driver. */
export function recordReaders({ json, int }: ColumnReaders) {
  const intOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : int(value));
  return {
    projectFromRow(row: Row): Project {
      return { name: row.name as string, path: row.path as string, createdAt: int(row.created_at) };
    },
    conversationFromRow(row: Row): Conversation {
      return {
        id: row.id as string,
        projectName: row.project_name as string,
        title: row.title as string,
        model: row.model as string,
        systemPrompt: row.system_prompt as string,
        busyPolicy: row.busy_policy as Conversation['busyPolicy'],
        usage: json(row.usage),
        cost: json(row.cost),
        ...(row.tool_rules === null || row.tool_rules === undefined ? {} : { toolRules: json<Conversation['toolRules']>(row.tool_rules) }),
        ...activeMessageFromColumn(row.active_message_id),
        createdAt: int(row.created_at),
        updatedAt: int(row.updated_at),
      };
    },
    messageFromRow(row: Row): Message {
      return {
        id: row.id as string,
        conversationId: row.conversation_id as string,
        role: row.role as Message['role'],
        ...parentFromColumn(row.parent_id),
        parts: json(row.parts),
        status: row.status as Message['status'],
        runId: row.run_id as string | null,
        model: row.model as string | null,
        usage: json(row.usage),
        cost: json(row.cost),
        createdAt: int(row.created_at),
        updatedAt: int(row.updated_at),
      };
    },
    runFromRow(row: Row): Run {
      return {
        id: row.id as string,
        conversationId: row.conversation_id as string,
        status: row.status as Run['status'],
        trigger: row.trigger_kind as Run['trigger'],
        model: row.model as string,
        userMessageId: row.user_message_id as string | null,
        assistantMessageId: row.assistant_message_id as string | null,
        input: json(row.input),
        clientRequestId: row.client_request_id as string | null,
        finishReason: row.finish_reason as Run['finishReason'],
        usage: json(row.usage),
        cost: json(row.cost),
        attempts: int(row.attempts),
        steps: int(row.steps),
        error: json(row.error),
        agentSessionId: row.agent_session_id as string | null,
        createdAt: int(row.created_at),
        startedAt: intOrNull(row.started_at),
        endedAt: intOrNull(row.ended_at),
      };
    },
    approvalFromRow(row: Row): Approval {
      return json(row.record);
    },
  };
}
