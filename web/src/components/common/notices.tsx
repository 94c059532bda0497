import { appStore, useAppState } from '../../lib/app-store.ts';
import { Icon } from './icon.tsx';

/** Errors and confirmations as toasts, announced to screen readers. */
export function Notices() {
  const { notices } = useAppState();
  return (
    <div className="notices" role="status" aria-live="polite">
      {notices.map((notice) => (
        <div key={notice.id} className={`notice notice-${notice.tone}`} role={notice.tone === 'error' ? 'alert' : undefined}>
          {notice.tone === 'error' && <Icon name="alert" size={16} />}
          <span>{notice.text}</span>
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => appStore.dismiss(notice.id)}>
            <Icon name="x" size={14} />
          </button>
        </div>
      ))}
    </div>
  );
}
