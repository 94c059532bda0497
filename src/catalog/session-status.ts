import type { SessionStatus } from '../events/catalog-definitions.ts';
import type { RunPhase } from './catalog-bus.ts';

/** Strongest first: a conversation shows the status of its most active unfinished run. */
const precedence: [Exclude<RunPhase, 'ended'>, SessionStatus][] = [
  ['running', 'running'],
  ['requires-action', 'waiting-for-approval'],
  ['waiting', 'waiting'],
  ['queued', 'queued'],
];

/**
 * Each conversation's unfinished runs and the status they add up to. Runs of one conversation are
 * reported by different processes in a cluster (queued by an API node, run by a worker), so the
 * status is folded where all the reports meet: the feed. Holds only conversations with unfinished
 * runs, and at most `limit` of them (the oldest is forgotten past it).
 */
export class SessionStatusTracker {
  readonly #runs = new Map<string, Map<string, RunPhase>>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#runs.size;
  }

  /**
   * Records a run's phase; returns the conversation's status after it. Reported even when unchanged:
   * a feed started mid-run never saw the run begin, and its watchers loaded the status over REST.
   */
  apply(conversationId: string, runId: string, phase: RunPhase): SessionStatus {
    let runs = this.#runs.get(conversationId);
    if (phase === 'ended') runs?.delete(runId);
    else {
      if (!runs) {
        runs = new Map();
        this.#runs.set(conversationId, runs);
        if (this.#runs.size > this.#limit) this.#runs.delete(this.#runs.keys().next().value!);
      }
      runs.set(runId, phase);
    }
    if (runs?.size === 0) this.#runs.delete(conversationId);
    return this.statusOf(conversationId);
  }

  forget(conversationId: string): void {
    this.#runs.delete(conversationId);
  }

  statusOf(conversationId: string): SessionStatus {
    const phases = new Set(this.#runs.get(conversationId)?.values());
    return precedence.find(([phase]) => phases.has(phase))?.[1] ?? 'idle';
  }
}
