import { useState } from 'react';
import type { Part } from 'confab/client';
import { Icon } from '../common/icon.tsx';

type ContextPart = Extract<Part, { kind: 'context' }>;

export function rangeLabel(range: { start: number; end: number } | undefined): string | null {
  if (!range) return null;
  return range.start === range.end ? `line ${range.start}` : `lines ${range.start}–${range.end}`;
}

/** Files and pasted text attached to a user message: path and line range; click to read it. */
export function ContextChips({ parts }: { parts: ContextPart[] }) {
  const [openId, setOpenId] = useState<string | null>(null);
  const opened = parts.find((part) => part.id === openId);
  return (
    <div className="context-attachments">
      <div className="chips">
        {parts.map((part) => (
          <button
            key={part.id}
            type="button"
            className={part.id === openId ? 'chip chip-active' : 'chip'}
            aria-expanded={part.id === openId}
            aria-label={`Attached ${part.path}${rangeLabel(part.range) ? `, ${rangeLabel(part.range)}` : ''}`}
            data-testid="context-chip"
            onClick={() => setOpenId(part.id === openId ? null : part.id)}
          >
            <Icon name="file" size={14} />
            <span className="chip-path">{part.path}</span>
            {part.range && <span className="chip-range">{rangeLabel(part.range)}</span>}
          </button>
        ))}
      </div>
      {opened && <pre className="context-preview">{opened.content}</pre>}
    </div>
  );
}
