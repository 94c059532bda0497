/**
 * Renders docs/events.md from the event definitions, so the doc cannot drift from the code
 * (`npm run docs:events` writes it; events-doc.test.ts fails when the committed file is stale).
 */
import { z } from 'zod';
import { ApprovalSchema } from '../domain/approval-schemas.ts';
import * as domain from '../domain/schemas.ts';
import { catalogEventDefinitions } from './catalog-definitions.ts';
import { eventDefinitions } from './definitions.ts';
import type { Touches } from './touches.ts';

const named = new Map<unknown, string>([
  [domain.ConversationSchema, '`Conversation`'],
  [domain.ConversationStateSchema, '`ConversationState`'],
  [domain.MessageSchema, '`Message`'],
  [domain.RunSchema, '`Run`'],
  [domain.UsageSchema, '`Usage`'],
  [domain.CostSchema, '`Cost`'],
  [domain.WireErrorSchema, '`{code, message}`'],
  [domain.ToolCallPartSchema, '`ToolCallPart`'],
  [domain.ToolStateSchema, '`ToolState`'],
  [domain.PartSchema, '`Part`'],
  [domain.MessageStatusSchema, '`MessageStatus`'],
  [domain.StreamedPartKindSchema, '`"text" | "reasoning"`'],
  [domain.ProjectSchema, '`Project`'],
  [ApprovalSchema, '`Approval`'],
]);

function describeType(schema: z.ZodType): string {
  const name = named.get(schema);
  if (name) return name;
  if (schema instanceof z.ZodNullable) return `${describeType(schema.unwrap() as z.ZodType)} or null`;
  if (schema instanceof z.ZodOptional) return `${describeType(schema.unwrap() as z.ZodType)} (optional)`;
  if (schema instanceof z.ZodString) return 'string';
  if (schema instanceof z.ZodNumber) return 'number';
  if (schema instanceof z.ZodBoolean) return 'boolean';
  return '`' + JSON.stringify(z.toJSONSchema(schema, { unrepresentable: 'any' })) + '`';
}

function describeTouches(touches: Touches<never>): string {
  switch (touches.record) {
    case 'message':
      return touches.part ? 'a message, one part' : 'a message';
    case 'run':
      return 'a run';
    case 'approval':
      return 'an approval';
    case 'conversation':
      return 'the conversation';
    case 'state':
      return 'the whole state';
    case 'none':
      return 'no record';
  }
}

/** `input`, `startedAt` (number): the fields of a union member other than its discriminator. */
function describeFields(shape: Record<string, z.ZodType>): string {
  return Object.entries(shape)
    .filter(([field]) => field !== 'status')
    .map(([field, type]) => (type instanceof z.ZodOptional ? `\`${field}\` (optional)` : `\`${field}\``))
    .join(', ');
}

function describeRecord(schema: z.ZodType, heading: string): string {
  if (!(schema instanceof z.ZodObject)) return '';
  const rows = Object.entries(schema.shape as Record<string, z.ZodType>).map(([field, type]) => `| \`${field}\` | ${describeType(type)} |`);
  return [`### ${heading}`, '', '| field | type |', '| --- | --- |', ...rows, ''].join('\n');
}

/** The catalog feed's events (src/events/catalog-definitions.ts): their own envelope, types and data. */
function catalogSection(): string[] {
  const lines = [
    '## Catalog events',
    '',
    'The catalog feed (`GET /v1/catalog/events`, WebSocket `subscribe-catalog`; docs/protocol.md) keeps',
    'lists current: projects, conversations and each conversation\'s live status. Its envelope is',
    '`{ feed: "catalog", seq, cursor, type, at, data }`: `seq` increases by one per event within one',
    'feed epoch, `cursor` resumes after the event, and `feed` tells it from a conversation event on a',
    'shared WebSocket. Models change only when the server restarts, which starts a new epoch: a',
    'resuming watcher then gets `catalog-reload` and reloads the model list with the rest.',
    '',
    '| type | emitted when |',
    '| --- | --- |',
    ...catalogEventDefinitions.map((definition) => `| \`${definition.type}\` | ${definition.emitted.replace(/\|/g, '\\|')} |`),
    '',
  ];
  for (const definition of catalogEventDefinitions) lines.push(describeRecord(definition.data, `catalog \`${definition.type}\``));
  return lines;
}

export function renderEventsDoc(): string {
  const lines = [
    '# Events',
    '',
    '<!-- Generated from src/events/definitions.ts by `npm run docs:events`. Do not edit by hand. -->',
    '',
    'Everything that happens to a conversation is an event in its log. Every transport (SSE, WebSocket,',
    'the in-process API) carries the same envelope:',
    '',
    '| field | type | meaning |',
    '| --- | --- | --- |',
    '| `seq` | integer | strictly increasing per conversation; a client ignores events with `seq <= lastSeq` |',
    '| `cursor` | string | opaque resume token (`<epoch>.<seq>`); pass it back as `after` / `Last-Event-ID` |',
    '| `conversationId` | string | |',
    '| `runId` | string or null | the run that caused the event, if any |',
    '| `type` | string | one of the types below |',
    '| `at` | number | epoch milliseconds |',
    '| `data` | object | per type, below |',
    '',
    'A `snapshot` is sent instead of a replay when a cursor cannot be replayed (absent, from another',
    'epoch, older than the log holds, or the subscriber fell behind its buffer). It replaces the',
    'client\'s state; its `seq` is that of the last event it includes, and live events continue from',
    '`seq + 1`. Applying every event to the state with the shared reducer',
    '(`src/events/apply-event.ts`) gives exactly what the server stores.',
    '',
    '## Event types',
    '',
    '`changes` is the record the event changes (its declared `touches`): a client that keeps records',
    'immutable need copy only that one.',
    '',
    '| type | changes | emitted when |',
    '| --- | --- | --- |',
    ...eventDefinitions.map((definition) => `| \`${definition.type}\` | ${describeTouches(definition.touches)} | ${definition.emitted.replace(/\|/g, '\\|')} |`),
    '',
    '## Data of each type',
    '',
  ];
  for (const definition of eventDefinitions) lines.push(describeRecord(definition.data, `\`${definition.type}\``));
  lines.push(...catalogSection());
  lines.push('## Records', '', 'The records events carry, as defined in `src/domain/schemas.ts` (and `approval-schemas.ts`).', '');
  for (const [schema, name] of [
    [domain.ConversationSchema, 'Conversation'],
    [domain.MessageSchema, 'Message'],
    [domain.RunSchema, 'Run'],
    [domain.ConversationStateSchema, 'ConversationState'],
    [domain.UsageSchema, 'Usage'],
    [domain.CostSchema, 'Cost'],
    [domain.ToolCallPartSchema, 'ToolCallPart'],
    [ApprovalSchema, 'Approval'],
  ] as const) {
    lines.push(describeRecord(schema, name));
  }
  lines.push(
    '### ToolState',
    '',
    'A tool call\'s `state`: a discriminated union on `status`, each with exactly its own fields (times',
    'in epoch ms). A call\'s result is in its state; there is no separate result part.',
    '',
    '| status | fields |',
    '| --- | --- |',
    ...domain.ToolStateSchema.options.map((option) => `| \`${option.shape.status.value}\` | ${describeFields(option.shape)} |`),
    '',
    '### Part',
    '',
    'A discriminated union on `kind`: `text` {id, text}, `reasoning` {id, text}, `tool-call` (ToolCallPart),',
    '`context` {id, path, content, range?: {start, end}}, `error` {id, code, message}.',
    '',
  );
  return lines.join('\n');
}
