import { useState } from 'react';
import type { Part } from 'confab/client';
import { Icon } from '../common/icon.tsx';

type ToolCall = Extract<Part, { kind: 'tool-call' }>;
type ToolResult = Extract<Part, { kind: 'tool-result' }>;

const statusLabel: Record<ToolCall['status'], string> = { pending: 'Pending', running: 'Running', completed: 'Completed', error: 'Error' };
const previewLines = 12;

/** A tool call: name, a one-line summary of its input, status, and (expanded) full input and result. */
export function ToolCallCard({ call, result }: { call: ToolCall; result: ToolResult | undefined }) {
  const [open, setOpen] = useState(call.status === 'error');
  const [full, setFull] = useState(false);
  const output = result ? formatValue(result.output) : null;
  const lines = output?.split('\n') ?? [];
  const clipped = !full && lines.length > previewLines;
  const status = result?.isError ? 'error' : call.status;
  return (
    <div className={`tool-card tool-${status}`} data-testid="tool-card" data-status={status}>
      <button type="button" className="tool-head" aria-expanded={open} onClick={() => setOpen(!open)}>
        <Icon name="tool" size={15} />
        <span className="tool-name">{call.toolName}</span>
        <span className="tool-summary">{summarize(call.input)}</span>
        <span className={`tool-status status-${status}`}>
          {(status === 'running' || status === 'pending') && <span className="spinner" aria-hidden="true" />}
          {statusLabel[status]}
        </span>
        <Icon name="chevron" size={14} className="chevron" />
      </button>
      {open && (
        <div className="tool-body">
          <div className="tool-section-label">Input</div>
          <pre className="tool-pre">{formatValue(call.input)}</pre>
          <div className="tool-section-label">{result?.isError ? 'Error' : 'Result'}</div>
          {output === null ? (
            <p className="muted">{status === 'error' ? 'No result.' : 'Waiting for the result…'}</p>
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
