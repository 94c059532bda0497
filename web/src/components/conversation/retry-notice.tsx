import { useMemo } from 'react';
import type { RetryState } from 'confab/client';
import { retryReason, retryStartedAt } from '../../lib/format.ts';
import { useNow } from '../../hooks/use-now.ts';
import { Icon } from '../common/icon.tsx';

/** `Retrying 2/3 in 4 s — rate limited`, counting down; gone once the next attempt streams. */
export function RetryNotice({ retry }: { retry: RetryState }) {
  const now = useNow(250);
  const key = `${retry.runId}:${retry.attempt}`;
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const startedAt = useMemo(() => retryStartedAt(retry, Date.now()), [key]);
  const remaining = Math.max(0, Math.ceil((startedAt + retry.delayMs - now) / 1000));
  const retryNumber = retry.attempt - 1;
  const retries = retry.maxAttempts - 1;
  return (
    <div className="retry-notice" role="status" aria-live="polite" data-testid="retry-notice">
      <Icon name="alert" size={15} />
      <span>
        {remaining > 0 ? `Retrying ${retryNumber}/${retries} in ${remaining} s` : `Retrying ${retryNumber}/${retries} now`} — {retryReason(retry.error)}
      </span>
    </div>
  );
}
