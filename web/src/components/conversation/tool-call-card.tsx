import { useState } from 'react';
import type { ToolCallPart, ToolCallStatus } from 'confab/client';
import { Icon } from '../common/icon.tsx';

const statusLabel: Record<ToolCallStatus, string> = {
  pending: 'Pending',
  'awaiting-approval': 'Awaiting approval',
  running: 'Running',
  completed: 'Completed',
  error: 'Error',
};
const previewLines = 12;

/**
 * A tool call: name, a one-line summary of its input, status, and (expanded) full input and result.
 * Everything comes from the part's state: a settled call carries its own output or error.
 */
export function ToolCallCard({ call }: { call: ToolCallPart }) {
  const { state } = call;
  const status = state.status;
  const [open, setOpen] = useState(status === 'error');
  const [full, setFull] = useState(false);
  const output = status === 'completed' ? formatValue(state.output) : status === 'error' ? state.error : null;
  const lines = output?.split('\n') ?? [];
  const clipped = !full && lines.length > previewLines;
  return (
    <div className={`tool-card tool-${status}`} data-testid="tool-card" data-status={status}>
      <button type="button" className="tool-head" aria-expanded={open} onClick={() => setOpen(!open)}>
        <Icon name="tool" size={15} />
        <span className="tool-name">{call.toolName}</span>
        <span className="tool-summary">{summarize(state.input)}</span>
        <span className={`tool-status status-${status}`}>
          {(status === 'running' || status === 'pending') && <span className="spinner" aria-hidden="true" />}
          {statusLabel[status]}
        </span>
        <Icon name="chevron" size={14} className="chevron" />
      </button>
      {open && (
        <div className="tool-body">
          <div className="tool-section-label">Input</div>
          <pre className="tool-pre">{formatValue(state.input)}</pre>
          <div className="tool-section-label">{status === 'error' ? 'Error' : 'Result'}</div>
          {output === null ? (
            <p className="muted">{status === 'awaiting-approval' ? 'Waiting for approval…' : 'Waiting for the result…'}</p>
          ) : (
            <>
              <pre className="tool-pre">{clipped ? lines.slice(0, previewLines).join('\n') + '\n…' : output}</pre>
              {lines.length > previewLines && (
                <button type="button" className="link-button" onClick={() => setFull(!full)}>
                  {full ? 'Show less' : `Show all ${lines.length} lines`}
                </button>
              )}
            </>
          )}
        </div>
      )}
    </div>
  );
}

/** `path: README.md` style summary of the first few input fields. */
function summarize(input: unknown): string {
  if (input === null || typeof input !== 'object') return input === undefined ? '' : String(input);
  return Object.entries(input as Record<string, unknown>)
    .slice(0, 3)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'content' in value && typeof (value as { content: unknown }).content === 'string') {
    const { content, ...rest } = value as { content: string };
    return `${JSON.stringify(rest, null, 2)}\n\n${content}`;
  }
  return JSON.stringify(value, null, 2) ?? String(value);
}
