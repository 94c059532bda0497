import type { Approval, ApprovalDecision } from '../client/index.ts';
import { shorten } from './reply-format.ts';

const answers: Record<string, ApprovalDecision> = {
  y: 'allow-once',
  yes: 'allow-once',
  a: 'allow-always',
  always: 'allow-always',
  n: 'deny',
  no: 'deny',
  never: 'deny-always',
};

/** The question the chat prints for a pending approval. */
export function approvalQuestion(approval: Approval): string {
  const input = shorten(JSON.stringify(approval.input) ?? '', 120);
  return `? allow ${approval.toolName} ${input}?  y = once · a = always in this conversation · n = no · never — a note may follow (n not that file)`;
}

/**
 * A typed answer to an approval: its first word (y, yes, a, always, n, no, never; any case), and
 * the rest of the line as the note. Undefined when the first word is none of those.
 */
export function parseApprovalAnswer(line: string): { decision: ApprovalDecision; note?: string } | undefined {
  const match = /^\s*(\S+)\s*(.*)$/s.exec(line);
  if (!match) return undefined;
  const decision = answers[match[1].toLowerCase()];
  if (!decision) return undefined;
  const note = match[2].trim();
  return note === '' ? { decision } : { decision, note };
}

/** `· allowed once`, `· denied for every later call in this conversation`. */
export function describeAnswer(decision: ApprovalDecision): string {
  switch (decision) {
    case 'allow-once':
      return '· allowed once';
    case 'allow-always':
      return '· allowed, now and for every later call in this conversation';
    case 'deny':
      return '· denied';
    case 'deny-always':
      return '· denied, now and for every later call in this conversation';
  }
}
