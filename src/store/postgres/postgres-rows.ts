import type { Approval } from '../../domain/approval-schemas.ts';
import type { Conversation, Message, Project, Run } from '../../domain/schemas.ts';
import { activeMessageFromColumn, parentColumn, parentFromColumn } from '../branch-columns.ts';
import { searchableText } from '../search-text.ts';

/**
 * Row shapes as `pg` returns them, and the mapping to and from domain records. `pg` parses `json`
 * columns itself (a fresh object per read) and returns BIGINT as a string, hence the `Number`s.
 */

type Row = Record<string, unknown>;
type Value = string | number | null;

/** JSON text for a `json` column; JavaScript null is SQL NULL, as in the SQLite store. */
function toJson(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}

function int(value: unknown): number {
  return Number(value);
}

function intOrNull(value: unknown): number | null {
  return value === null ? null : Number(value);
}

export function projectFromRow(row: Row): Project {
  return { name: row.name as string, path: row.path as string, createdAt: int(row.created_at) };
}

export function conversationParams(c: Conversation): Value[] {
  return [c.id, c.projectName, c.title, c.model, c.systemPrompt, c.busyPolicy, toJson(c.usage), toJson(c.cost), toJson(c.toolRules ?? null), c.activeMessageId ?? null, c.createdAt, c.updatedAt];
}

export function conversationFromRow(row: Row): Conversation {
  return {
    id: row.id as string,
    projectName: row.project_name as string,
    title: row.title as string,
    model: row.model as string,
    systemPrompt: row.system_prompt as string,
    busyPolicy: row.busy_policy as Conversation['busyPolicy'],
    usage: row.usage as Conversation['usage'],
    cost: row.cost as Conversation['cost'],
    ...(row.tool_rules === null || row.tool_rules === undefined ? {} : { toolRules: row.tool_rules as Conversation['toolRules'] }),
    ...activeMessageFromColumn(row.active_message_id),
    createdAt: int(row.created_at),
    updatedAt: int(row.updated_at),
  };
}

export function messageParams(m: Message): Value[] {
  return [m.id, m.conversationId, m.role, parentColumn(m), toJson(m.parts), m.status, m.runId, m.model, toJson(m.usage), toJson(m.cost), m.createdAt, m.updatedAt, searchableText(m)];
}

export function messageFromRow(row: Row): Message {
  return {
    id: row.id as string,
    conversationId: row.conversation_id as string,
    role: row.role as Message['role'],
    ...parentFromColumn(row.parent_id),
    parts: row.parts as Message['parts'],
    status: row.status as Message['status'],
    runId: row.run_id as string | null,
    model: row.model as string | null,
    usage: row.usage as Message['usage'],
    cost: row.cost as Message['cost'],
    createdAt: int(row.created_at),
    updatedAt: int(row.updated_at),
  };
}

export function runParams(r: Run): Value[] {
  return [
    r.id, r.conversationId, r.status, r.trigger, r.model, r.userMessageId, r.assistantMessageId, toJson(r.input),
    r.clientRequestId, r.finishReason, toJson(r.usage), toJson(r.cost), r.attempts, r.steps, toJson(r.error),
    r.agentSessionId, r.createdAt, r.startedAt, r.endedAt,
  ];
}

export function runFromRow(row: Row): Run {
  return {
    id: row.id as string,
    conversationId: row.conversation_id as string,
    status: row.status as Run['status'],
    trigger: row.trigger_kind as Run['trigger'],
    model: row.model as string,
    userMessageId: row.user_message_id as string | null,
    assistantMessageId: row.assistant_message_id as string | null,
    input: row.input as Run['input'],
    clientRequestId: row.client_request_id as string | null,
    finishReason: row.finish_reason as Run['finishReason'],
    usage: row.usage as Run['usage'],
    cost: row.cost as Run['cost'],
    attempts: int(row.attempts),
    steps: int(row.steps),
    error: row.error as Run['error'],
    agentSessionId: row.agent_session_id as string | null,
    createdAt: int(row.created_at),
    startedAt: intOrNull(row.started_at),
    endedAt: intOrNull(row.ended_at),
  };
}

export function approvalParams(a: Approval): Value[] {
  return [a.id, a.conversationId, a.runId, a.status, a.requestedAt, a.expiresAt, JSON.stringify(a)];
}

export function approvalFromRow(row: Row): Approval {
  return row.record as Approval;
}

/** Column lists in the same order as the *Params functions above. */
const conversationColumns = [
  'id', 'project_name', 'title', 'model', 'system_prompt', 'busy_policy', 'usage', 'cost', 'tool_rules', 'active_message_id', 'created_at', 'updated_at',
];
const approvalColumns = ['id', 'conversation_id', 'run_id', 'status', 'requested_at', 'expires_at', 'record'];
const messageColumns = [
  'id', 'conversation_id', 'role', 'parent_id', 'parts', 'status', 'run_id', 'model', 'usage', 'cost', 'created_at', 'updated_at', 'search_text',
];
const runColumns = [
  'id', 'conversation_id', 'status', 'trigger_kind', 'model', 'user_message_id', 'assistant_message_id', 'input',
  'client_request_id', 'finish_reason', 'usage', 'cost', 'attempts', 'steps', 'error', 'agent_session_id',
  'created_at', 'started_at', 'ended_at',
];

/**
 * `INSERT … ON CONFLICT (id) DO UPDATE` over the record's columns only: the row keeps its
 * `position` (creation order), and a run keeps its claim and stop flag, which no record carries.
 */
function upsertSql(table: string, columns: string[]): string {
  const updates = columns.filter((column) => column !== 'id').map((column) => `${column} = excluded.${column}`);
  return (
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, index) => `$${index + 1}`).join(', ')}) ` +
    `ON CONFLICT (id) DO UPDATE SET ${updates.join(', ')}`
  );
}

export const upsertConversation = upsertSql('conversations', conversationColumns);
export const upsertMessage = upsertSql('messages', messageColumns);
export const upsertRun = upsertSql('runs', runColumns);
export const upsertApproval = upsertSql('approvals', approvalColumns);
