import type { Cost, Usage } from 'confab/client';

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/** "just now", "5 min", "3 h", "Yesterday", "Tue", "Mar 3", "Mar 3, 2023". */
export function relativeTime(at: number, now: number): string {
  const elapsed = Math.max(0, now - at);
  if (elapsed < minute) return 'just now';
  if (elapsed < hour) return `${Math.floor(elapsed / minute)} min`;
  const date = new Date(at);
  const today = startOfDay(now);
  if (at >= today) return `${Math.floor(elapsed / hour)} h`;
  if (at >= today - day) return 'Yesterday';
  if (at >= today - 6 * day) return date.toLocaleDateString(undefined, { weekday: 'short' });
  const sameYear = date.getFullYear() === new Date(now).getFullYear();
  return date.toLocaleDateString(undefined, sameYear ? { month: 'short', day: 'numeric' } : { month: 'short', day: 'numeric', year: 'numeric' });
}

/** "14:05" today, "Mar 3, 14:05" before (the reader's locale and time zone). */
export function messageTime(at: number, now: number): string {
  const date = new Date(at);
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (at >= startOfDay(now)) return time;
  return `${date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })}, ${time}`;
}

export type DateGroup = 'Today' | 'Yesterday' | 'Previous 7 days' | 'Previous 30 days' | 'Older';

export function dateGroup(at: number, now: number): DateGroup {
  const today = startOfDay(now);
  if (at >= today) return 'Today';
  if (at >= today - day) return 'Yesterday';
  if (at >= today - 7 * day) return 'Previous 7 days';
  if (at >= today - 30 * day) return 'Previous 30 days';
  return 'Older';
}

function startOfDay(now: number): number {
  const date = new Date(now);
  date.setHours(0, 0, 0, 0);
  return date.getTime();
}

export function formatTokens(count: number): string {
  if (count < 10_000) return count.toLocaleString('en-US');
  if (count < 1_000_000) return `${(count / 1000).toFixed(count < 100_000 ? 1 : 0)}k`;
  return `${(count / 1_000_000).toFixed(2)}M`;
}

/** "$0.0012", "$1.23"; "~" marks an estimate. */
export function formatCost(cost: Cost | null): string | null {
  if (!cost) return null;
  const { amount } = cost;
  if (amount > 0 && amount < 0.0001) return `${cost.estimated ? '~' : ''}<$0.0001`;
  const digits = amount === 0 ? 2 : amount < 0.01 ? 4 : amount < 1 ? 3 : 2;
  return `${cost.estimated ? '~' : ''}$${amount.toFixed(digits)}`;
}

/** "1,234 in · 56 out · $0.0012" */
export function formatUsage(usage: Usage | null, cost: Cost | null): string | null {
  if (!usage) return null;
  const parts = [`${formatTokens(usage.inputTokens)} in`, `${formatTokens(usage.outputTokens)} out`];
  if (usage.reasoningTokens) parts.push(`${formatTokens(usage.reasoningTokens)} reasoning`);
  const price = formatCost(cost);
  if (price) parts.push(price);
  return `${usage.estimated ? '~' : ''}${parts.join(' · ')}`;
}

/** The retry reason in a few words, from the classified upstream error code. */
export function retryReason(error: { code: string; message: string }): string {
  switch (error.code) {
    case 'rate_limit':
    case 'rate_limited':
      return 'rate limited';
    case 'server':
      return 'the provider had a server error';
    case 'network':
      return 'the provider could not be reached';
    case 'timeout':
      return 'the provider timed out';
    default:
      return error.message;
  }
}

/**
 * When to count a retry's wait from, on this page's clock. `retry.at` is the server's clock: it is
 * trusted when it is plausible here (the wait began at most its length, plus 5 s of slack, ago, and
 * not in the future), which covers a page opened or reloaded during the wait; a clock that is
 * clearly off counts from now instead.
 */
export function retryStartedAt(retry: { at: number; delayMs: number }, now: number): number {
  const plausible = retry.at <= now + 5000 && retry.at >= now - retry.delayMs - 5000;
  return plausible ? Math.min(now, retry.at) : now;
}

/** A conversation's title, or what an untitled one is called. */
export function displayTitle(title: string): string {
  return title.trim() === '' ? 'New chat' : title;
}
