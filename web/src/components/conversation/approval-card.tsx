import { useState } from 'react';
import type { Approval, ApprovalDecision } from 'confab/client';

const choices: { decision: ApprovalDecision; label: string; className: string }[] = [
  { decision: 'allow-once', label: 'Allow once', className: 'button button-primary' },
  { decision: 'allow-always', label: 'Always allow', className: 'button' },
  { decision: 'deny', label: 'Deny', className: 'button' },
  { decision: 'deny-always', label: 'Always deny', className: 'button button-danger' },
];

/**
 * A tool call waiting for the user: the tool, its input, and the four answers. "Always" answers
 * hold for later calls of the same tool in this conversation. A note goes to the model with a
 * denial. Any window may answer; the card goes when the approval is settled anywhere.
 */
export function ApprovalCard({ approval, onAnswer }: { approval: Approval; onAnswer: (decision: ApprovalDecision, note: string) => Promise<void> }) {
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const answer = (decision: ApprovalDecision) => {
    setBusy(true);
    void onAnswer(decision, note.trim()).finally(() => setBusy(false));
  };
  return (
    <section className="approval-card" role="group" aria-label={`Approve ${approval.toolName}`} data-testid="approval-card">
      <p className="approval-question">
        Allow <strong>{approval.toolName}</strong> to run?
      </p>
      <pre className="tool-pre approval-input">{JSON.stringify(approval.input, null, 2) ?? ''}</pre>
      <input
        className="approval-note"
        type="text"
        placeholder="Note for the assistant (optional)"
        aria-label="Note for the assistant"
        maxLength={2000}
        value={note}
        onChange={(event) => setNote(event.target.value)}
      />
      <div className="approval-actions">
        {approval.options.map((decision) => {
          const choice = choices.find((candidate) => candidate.decision === decision);
          return choice ? (
            <button key={decision} type="button" className={`${choice.className} button-small`} disabled={busy} onClick={() => answer(decision)}>
              {choice.label}
            </button>
          ) : null;
        })}
      </div>
      <p className="approval-expiry muted">Unanswered, it expires {new Date(approval.expiresAt).toLocaleString()}: the tool then does not run.</p>
    </section>
  );
}
