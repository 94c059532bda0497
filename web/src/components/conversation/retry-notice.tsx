import { useMemo } from 'react';
import { retryCount, type RetryState } from 'confab/client';
import { retryReason, retryStartedAt } from '../../lib/format.ts';
import { useNow } from '../../hooks/use-now.ts';
import { Icon } from '../common/icon.tsx';

/** `Retry 1 of 3 in 4 s — rate limited` (retryCount, as the CLI counts), counting down; gone once the next attempt streams. */
export function RetryNotice({ retry }: { retry: RetryState }) {
  const now = useNow(250);
  const key = `${retry.runId}:${retry.attempt}`;
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const startedAt = useMemo(() => retryStartedAt(retry, Date.now()), [key]);
  const remaining = Math.max(0, Math.ceil((startedAt + retry.delayMs - now) / 1000));
  const count = retryCount(retry);
  return (
    <div className="retry-notice" role="status" aria-live="polite" data-testid="retry-notice">
      <Icon name="alert" size={15} />
      <span>
        {`Retry ${count.retry} of ${count.of} ${remaining > 0 ? `in ${remaining} s` : 'now'}`} — {retryReason(retry.error)}
      </span>
    </div>
  );
}
