/**
 * A Confab conversation's messages as ACP `session/update`s. Like the AI SDK mapping
 * (ui-message-diff.ts), it compares a message with what was already sent and sends the
 * difference, so a replayed history (`session/load`), a live reply and a reply followed after a
 * reconnect all come out the same way.
 */
import type { SessionUpdate, ToolCallStatus, ToolKind } from '@agentclientprotocol/sdk';
import type { Message, ToolCallPart } from '../../domain/schemas.ts';

type SentPart = { kind: 'text' | 'reasoning'; length: number } | { kind: 'tool-call'; status: ToolCallStatus | undefined } | { kind: 'plan'; json: string } | { kind: 'unsent' };

const toolStatuses: Record<ToolCallPart['state']['status'], ToolCallStatus> = {
  pending: 'pending',
  'awaiting-approval': 'pending',
  running: 'in_progress',
  completed: 'completed',
  error: 'failed',
};

/** What an editor shows for a Confab tool: its name says what it does. */
export function toolKind(toolName: string): ToolKind {
  if (/read|cat|open/i.test(toolName)) return 'read';
  if (/list|search|find|grep|glob/i.test(toolName)) return 'search';
  if (/write|edit|patch|replace/i.test(toolName)) return 'edit';
  if (/delete|remove/i.test(toolName)) return 'delete';
  if (/run|exec|shell|bash|command/i.test(toolName)) return 'execute';
  if (/fetch|http|web/i.test(toolName)) return 'fetch';
  return 'other';
}

/** `read_file notes.txt`: the tool and the first string of its input, as a title. */
export function toolTitle(part: Pick<ToolCallPart, 'toolName' | 'state'>): string {
  const input = part.state.input;
  const first = input && typeof input === 'object' ? Object.values(input).find((value) => typeof value === 'string') : typeof input === 'string' ? input : undefined;
  return first ? `${part.toolName} ${first.length > 80 ? `${first.slice(0, 77)}...` : first}` : part.toolName;
}

function outputText(output: unknown): string {
  return typeof output === 'string' ? output : JSON.stringify(output ?? null, null, 2);
}

/** A user message as the editor shows it when history is replayed. */
export function userMessageUpdates(message: Message): SessionUpdate[] {
  const updates: SessionUpdate[] = [];
  for (const part of message.parts) {
    if (part.kind === 'text') updates.push({ sessionUpdate: 'user_message_chunk', messageId: message.id, content: { type: 'text', text: part.text } });
    if (part.kind === 'context') {
      updates.push({ sessionUpdate: 'user_message_chunk', messageId: message.id, content: { type: 'resource', resource: { uri: `file:${part.path}`, text: part.content, mimeType: 'text/plain' } } });
    }
  }
  return updates;
}

/** Sends one assistant message as it grows: text and reasoning as chunks, tool calls as `tool_call` then `tool_call_update`s. */
export class AcpMessageDiff {
  readonly #messageId: string;
  readonly #sent = new Map<string, SentPart>();

  constructor(messageId: string) {
    this.#messageId = messageId;
  }

  update(message: Message): SessionUpdate[] {
    const updates: SessionUpdate[] = [];
    const messageId = this.#messageId;
    for (const part of message.parts) {
      let sent = this.#sent.get(part.id);
      if (sent === undefined) {
        sent = part.kind === 'text' || part.kind === 'reasoning' ? { kind: part.kind, length: 0 } : part.kind === 'tool-call' ? { kind: 'tool-call', status: undefined } : part.kind === 'plan' ? { kind: 'plan', json: '' } : { kind: 'unsent' };
        this.#sent.set(part.id, sent);
      }
      if ((part.kind === 'text' || part.kind === 'reasoning') && sent.kind === part.kind && part.text.length > sent.length) {
        const chunk = part.text.slice(sent.length);
        sent.length = part.text.length;
        updates.push({ sessionUpdate: part.kind === 'text' ? 'agent_message_chunk' : 'agent_thought_chunk', messageId, content: { type: 'text', text: chunk } });
      } else if (part.kind === 'tool-call' && sent.kind === 'tool-call') {
        const status = toolStatuses[part.state.status];
        if (status === sent.status) continue;
        const settled = part.state.status === 'completed' ? outputText(part.state.output) : part.state.status === 'error' ? part.state.error : undefined;
        const content = settled === undefined ? undefined : [{ type: 'content' as const, content: { type: 'text' as const, text: settled } }];
        if (sent.status === undefined) {
          updates.push({ sessionUpdate: 'tool_call', toolCallId: part.toolCallId, title: toolTitle(part), kind: toolKind(part.toolName), status, rawInput: part.state.input, ...(content ? { content } : {}) });
        } else {
          updates.push({ sessionUpdate: 'tool_call_update', toolCallId: part.toolCallId, status, ...(content ? { content, rawOutput: part.state.status === 'completed' ? part.state.output : undefined } : {}) });
        }
        sent.status = status;
      } else if (part.kind === 'plan' && sent.kind === 'plan') {
        const json = JSON.stringify(part.entries);
        if (json === sent.json) continue;
        sent.json = json;
        updates.push({ sessionUpdate: 'plan', entries: part.entries.map((entry) => ({ content: entry.content, status: entry.status, priority: entry.priority ?? 'medium' })) });
      }
    }
    return updates;
  }
}
