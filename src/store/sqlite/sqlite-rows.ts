import type { Approval } from '../../domain/approval-schemas.ts';
import type { Conversation, Message, Project, Run } from '../../domain/schemas.ts';
import { activeMessageFromColumn, parentColumn, parentFromColumn } from '../branch-columns.ts';
import { searchableText } from '../search-text.ts';

/** Row shapes as node:sqlite returns them, and the mapping to and from domain records. */

type Value = string | number | null;
type Row = Record<string, Value>;

export function toJson(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}

function fromJson<T>(text: Value): T {
  return (text === null ? null : JSON.parse(text as string)) as T;
}

export function projectFromRow(row: Row): Project {
  return { name: row.name as string, path: row.path as string, createdAt: row.created_at as number };
}

export function conversationParams(conversation: Conversation): Value[] {
  const c = conversation;
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
    usage: fromJson(row.usage),
    cost: fromJson(row.cost),
    ...(row.tool_rules === null || row.tool_rules === undefined ? {} : { toolRules: fromJson(row.tool_rules) }),
    ...activeMessageFromColumn(row.active_message_id),
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  };
}

export function messageParams(message: Message): Value[] {
  const m = message;
  return [m.id, m.conversationId, m.role, parentColumn(m), toJson(m.parts), m.status, m.runId, m.model, toJson(m.usage), toJson(m.cost), m.createdAt, m.updatedAt, searchableText(m)];
}

export function messageFromRow(row: Row): Message {
  return {
    id: row.id as string,
    conversationId: row.conversation_id as string,
    role: row.role as Message['role'],
    ...parentFromColumn(row.parent_id),
    parts: fromJson(row.parts),
    status: row.status as Message['status'],
    runId: row.run_id as string | null,
    model: row.model as string | null,
    usage: fromJson(row.usage),
    cost: fromJson(row.cost),
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  };
}

export function runParams(run: Run): Value[] {
  const r = run;
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
    input: fromJson(row.input),
    clientRequestId: row.client_request_id as string | null,
    finishReason: row.finish_reason as Run['finishReason'],
    usage: fromJson(row.usage),
    cost: fromJson(row.cost),
    attempts: row.attempts as number,
    steps: row.steps as number,
    error: fromJson(row.error),
    agentSessionId: row.agent_session_id as string | null,
    createdAt: row.created_at as number,
    startedAt: row.started_at as number | null,
    endedAt: row.ended_at as number | null,
  };
}

export function approvalParams(approval: Approval): Value[] {
  const a = approval;
  return [a.id, a.conversationId, a.runId, a.status, a.requestedAt, a.expiresAt, JSON.stringify(a)];
}

export function approvalFromRow(row: Row): Approval {
  return fromJson(row.record);
}

/** Column lists in the same order as the *Params functions above. */
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

/** `INSERT … ON CONFLICT(id) DO UPDATE` over every column but the key, so the row keeps its position. */
export function upsertSql(table: string, columns: string[]): string {
  const updates = columns.filter((column) => column !== 'id').map((column) => `${column} = excluded.${column}`);
  return (
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ` +
    `ON CONFLICT(id) DO UPDATE SET ${updates.join(', ')}`
  );
}
