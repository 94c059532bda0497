import { useState } from 'react';
import { Icon } from '../common/icon.tsx';

/**
 * The model's reasoning, folded away by default; its first words show while it streams. Reasoning
 * the provider redacted (it sends only an encrypted form, kept for later requests) has no text and
 * is said to be hidden, with nothing to unfold.
 */
export function ReasoningBlock({ text, streaming }: { text: string; streaming: boolean }) {
  const [open, setOpen] = useState(false);
  if (text === '' && !streaming) {
    return (
      <div className="reasoning redacted" data-testid="reasoning">
        <span className="reasoning-toggle">Reasoning hidden by the provider</span>
      </div>
    );
  }
  const preview = text.trim().split('\n').at(-1)?.slice(-120) ?? '';
  return (
    <div className={open ? 'reasoning open' : 'reasoning'} data-testid="reasoning">
      <button type="button" className="reasoning-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        <Icon name="chevron" size={14} className="chevron" />
        <span className={streaming ? 'shimmer' : undefined}>{streaming ? 'Thinking…' : 'Reasoning'}</span>
        {!open && streaming && preview && <span className="reasoning-preview">{preview}</span>}
      </button>
      {open && <div className="reasoning-text">{text}</div>}
    </div>
  );
}
