import { Icon } from '../common/icon.tsx';

/** Where a message stands among its versions (a regenerated reply, an edited message), with its neighbours' ids. */
export type BranchPosition = { index: number; count: number; previousId: string | null; nextId: string | null };

/** "‹ 2 / 3 ›": moves between the versions of a message; each shows its own branch below it. */
export function BranchSwitcher({ position, onSelect }: { position: BranchPosition; onSelect: (messageId: string) => void }) {
  const { index, count, previousId, nextId } = position;
  return (
    <span className="branch-switcher" data-testid="branch-switcher">
      <button type="button" className="icon-button icon-button-small" aria-label="Previous version" disabled={previousId === null} onClick={() => previousId && onSelect(previousId)}>
        <Icon name="chevron" size={14} className="flip" />
      </button>
      <span className="branch-count" aria-label={`Version ${index + 1} of ${count}`}>
        {index + 1} / {count}
      </span>
      <button type="button" className="icon-button icon-button-small" aria-label="Next version" disabled={nextId === null} onClick={() => nextId && onSelect(nextId)}>
        <Icon name="chevron" size={14} />
      </button>
    </span>
  );
}
