import { retryCount, type Cost, type RetryState, type Run, type Usage } from '../client/index.ts';
import type { PlanEntry, ToolCallPart } from '../domain/schemas.ts';
import type { StatusTone } from './screen.ts';

/** `⚙ read_file {"path":"README.md"} · running` (input shortened to one line). */
export function formatToolCall(part: ToolCallPart): string {
  const { input, status } = part.state;
  const shown = input === undefined ? '' : ` ${shorten(JSON.stringify(input) ?? '', 80)}`;
  return `⚙ ${part.toolName}${shown} · ${status}`;
}

/** `↻ retry 1 of 3 in 4s — rate_limit` (counted as the web UI counts: see retryCount). */
export function formatRetry(retry: Pick<RetryState, 'attempt' | 'maxAttempts' | 'delayMs' | 'error'>): string {
  const count = retryCount(retry);
  return `↻ retry ${count.retry} of ${count.of} in ${formatSeconds(retry.delayMs)} — ${retry.error.code}`;
}

/** How a run ended, as a status line; null when there is nothing worth saying (a completed run off a terminal). */
export function describeRunEnd(run: Run, verbose: boolean): { line: string; tone: StatusTone } | null {
  switch (run.status) {
    case 'completed':
      return verbose ? { line: `· ${formatUsage(run.usage)}${run.cost ? ` · ${formatCost(run.cost)}` : ''}`, tone: 'info' } : null;
    case 'stopped':
      return { line: '■ stopped', tone: 'info' };
    case 'failed':
      return { line: `✗ ${runErrorMessage(run)}`, tone: 'error' };
    case 'interrupted':
      return { line: '· interrupted (the server shut down); the partial reply is kept', tone: 'error' };
    default:
      return null;
  }
}

export function runErrorMessage(run: Run): string {
  return run.error ? `${run.error.message} (${run.error.code})` : 'the run failed';
}

export function formatUsage(usage: Usage): string {
  return `${usage.estimated ? '~' : ''}${usage.inputTokens} in, ${usage.outputTokens} out tokens${usage.agentReported ? ' (agent-reported)' : ''}`;
}

export function formatCost(cost: Cost): string {
  const digits = cost.amount >= 0.01 ? 2 : 6;
  return `${cost.estimated ? '~' : ''}$${cost.amount.toFixed(digits)}${cost.agentReported ? ' (agent-reported)' : ''}`;
}

/** A coding agent's plan, one entry a line: [x] done, [~] in progress, [ ] pending. */
export function formatPlan(entries: PlanEntry[]): string {
  const mark = { completed: '[x]', in_progress: '[~]', pending: '[ ]' } as const;
  return ['plan:', ...entries.map((entry) => `  ${mark[entry.status]} ${entry.content}`)].join('\n');
}

export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))}s`;
}

export function shorten(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}
