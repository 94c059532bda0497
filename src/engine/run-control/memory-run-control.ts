import type { RunControl, RunWatch, StopReason } from './run-control.ts';

/** The in-process run control: requests and watchers in maps, bounded by the runs in flight. */
export class MemoryRunControl implements RunControl {
  /** Stops requested for runs not yet settled; the first request wins. */
  readonly #requested = new Map<string, StopReason>();
  readonly #watchers = new Map<string, Set<(reason: StopReason) => void>>();

  async requestStop(runId: string, reason: StopReason): Promise<void> {
    if (!this.#requested.has(runId)) this.#requested.set(runId, reason);
    for (const notify of [...(this.#watchers.get(runId) ?? [])]) notify(reason);
  }

  async watch(runId: string, onStop: (reason: StopReason) => void): Promise<RunWatch> {
    let done = false;
    const notify = (reason: StopReason) => {
      if (done) return;
      done = true;
      onStop(reason);
    };
    let watchers = this.#watchers.get(runId);
    if (!watchers) this.#watchers.set(runId, (watchers = new Set()));
    watchers.add(notify);
    const requested = this.#requested.get(runId);
    if (requested) notify(requested);
    return {
      close: () => {
        watchers.delete(notify);
        if (watchers.size === 0 && this.#watchers.get(runId) === watchers) this.#watchers.delete(runId);
      },
    };
  }

  async settle(runId: string): Promise<void> {
    this.#requested.delete(runId);
  }
}
