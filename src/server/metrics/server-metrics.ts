import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SessionInfo } from '../../domain/records.ts';
import { RunStatusSchema } from '../../domain/schemas.ts';
import type { CheckpointReport, EngineObserver } from '../../engine/engine-observer.ts';
import type { ConfabEvent } from '../../events/definitions.ts';

/** The upstream error classes a run retries (providers/classify-error.ts). */
const retriedErrors = ['rate_limit', 'server', 'network', 'timeout'];
const terminalEvents = new Set(['run-completed', 'run-stopped', 'run-failed', 'run-interrupted']);

/** What the gauges read at scrape time. */
export type SessionSource = { sessions(): SessionInfo[] };

/**
 * The server's Prometheus metrics, in their own registry (never prom-client's global one, so two
 * servers in one process do not share counts). Counters come from the engine through `observer`
 * (inject it into the hub); gauges read the hub's live sessions at scrape time; Node's default
 * metrics (event-loop delay, heap, GC, CPU) come from prom-client.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly observer: EngineObserver;
  #source: SessionSource | undefined;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    const runs = new Counter({ name: 'confab_runs_total', help: 'Runs that reached each status (queued, running, then one terminal status).', labelNames: ['status'], registers });
    const tokens = new Counter({ name: 'confab_tokens_total', help: 'Tokens of ended runs, by direction (input, output), as the provider reported or Confab estimated.', labelNames: ['direction'], registers });
    const retries = new Counter({ name: 'confab_run_retries_total', help: 'Retries of a model request after a transient upstream error, by error class.', labelNames: ['error'], registers });
    const checkpoints = new Histogram({
      name: 'confab_checkpoint_duration_seconds',
      help: 'Time the store took to commit one checkpoint transaction.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    const failedCheckpoints = new Counter({ name: 'confab_checkpoint_failures_total', help: 'Checkpoint transactions that failed (their records are retried).', registers });
    for (const status of RunStatusSchema.options) runs.labels(status).inc(0);
    for (const direction of ['input', 'output']) tokens.labels(direction).inc(0);
    for (const error of retriedErrors) retries.labels(error).inc(0);

    const liveSessions = () => this.#source?.sessions() ?? [];
    const gauges: [string, string, (sessions: SessionInfo[]) => number][] = [
      ['confab_active_conversations', 'Conversations live in memory (running, queued, watched, or recently used).', (sessions) => sessions.length],
      ['confab_subscribers', 'Subscriptions to live conversations (SSE streams, WebSocket subscriptions, in-process watchers).', (sessions) => sum(sessions, (session) => session.subscribers)],
      ['confab_running_runs', 'Runs executing now.', (sessions) => sessions.filter((session) => session.activeRunId !== null).length],
      ['confab_run_queue_depth', 'Runs queued behind another run, across conversations.', (sessions) => sum(sessions, (session) => session.queuedRunIds.length)],
    ];
    for (const [name, help, read] of gauges) {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read(liveSessions()));
        },
      });
    }

    this.observer = {
      eventsAppended(events: readonly ConfabEvent[]) {
        for (const event of events) {
          if (event.type === 'run-queued' || event.type === 'run-started' || terminalEvents.has(event.type)) {
            const { run } = event.data as { run: { status: string; usage: { inputTokens: number; outputTokens: number } } };
            runs.labels(run.status).inc();
            if (terminalEvents.has(event.type)) {
              tokens.labels('input').inc(run.usage.inputTokens);
              tokens.labels('output').inc(run.usage.outputTokens);
            }
          } else if (event.type === 'run-retrying') {
            retries.labels(event.data.error.code).inc();
          }
        }
      },
      checkpointWritten(report: CheckpointReport) {
        if (report.ok) checkpoints.observe(report.durationMs / 1000);
        else failedCheckpoints.inc();
      },
    };
  }

  /** Where the gauges read live sessions from (the hub). */
  watch(source: SessionSource): void {
    this.#source = source;
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}

function sum<T>(items: T[], value: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += value(item);
  return total;
}
