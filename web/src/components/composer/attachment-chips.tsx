import type { ContextInput } from 'confab/client';
import { Icon } from '../common/icon.tsx';
import { rangeLabel } from '../conversation/context-chips.tsx';

/**
 * What goes with the next message, one chip per attachment (its path, its lines, how long it is)
 * with a Remove button: the web composer's and the VS Code panel's. Nothing when there is none.
 */
export function AttachmentChips({ items, onRemove }: { items: readonly ContextInput[]; onRemove: (index: number) => void }) {
  if (items.length === 0) return null;
  return (
    <div className="chips composer-chips">
      {items.map((item, index) => (
        <span key={`${item.path}-${index}`} className="chip" data-testid="attachment">
          <Icon name="file" size={14} />
          <span className="chip-path">{item.path}</span>
          {item.range && <span className="chip-range">{rangeLabel(item.range)}</span>}
          {item.content !== undefined && <span className="chip-range">{lineCount(item.content) === 1 ? '1 line' : `${lineCount(item.content)} lines`}</span>}
          <button type="button" className="chip-remove" aria-label={`Remove ${item.path}`} onClick={() => onRemove(index)}>
            <Icon name="x" size={12} />
          </button>
        </span>
      ))}
    </div>
  );
}

export function lineCount(text: string): number {
  return text === '' ? 0 : text.split('\n').length;
}
