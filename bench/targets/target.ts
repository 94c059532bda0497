/** A system under test, running in its own process(es), as every scenario drives it. */
import type { LoopDelay } from '../baselines/loop-metrics.ts';
import type { ProtocolName } from '../clients/client-messages.ts';

export type TargetName = 'confab' | 'relay' | 'ai-sdk' | 'langgraph' | ConfabWorkersName;
/** Confab with `confab serve --workers N` (`npm run bench -- --confab-workers 0,1,2`). */
export type ConfabWorkersName = 'confab-w0' | 'confab-w1' | 'confab-w2' | 'confab-w3' | 'confab-w4';

export type TargetMetrics = {
  /** Event-loop delay inside the server since the last reset (undefined: not observable). */
  eventLoopDelayMs: LoopDelay | undefined;
  /** Store writes since the server started (a running count): Confab's checkpoint transactions, Redis commands for the AI SDK; undefined when not observable. */
  storeWrites: number | undefined;
  /** The server's monotonic clock (µs), when it says: the time base of its CPU profile. */
  monotonicUs?: number;
};

export interface Target {
  name: TargetName;
  /** How the table names it. */
  label: string;
  protocol: ProtocolName;
  baseUrl: string;
  /** Where messages are sent, when not `baseUrl` (watchers always use `baseUrl`). */
  sendUrl?: string;
  token: string;
  /** Root pids whose process trees are charged for CPU and memory. */
  pids: number[];
  /** Milliseconds from spawning the server to its saying where it listens (before any warm-up). */
  readyMs: number;
  /** Conversations (threads, chat ids, relay keys) ready for one stream each. */
  createConversations(count: number, prefix: string): Promise<string[]>;
  metrics(reset: boolean): Promise<TargetMetrics>;
  stop(): Promise<void>;
}

export type TargetContext = {
  upstreamUrl: string;
  /** Where servers keep data and write CPU profiles. */
  workDir: string;
  /** Run Confab under `--cpu-prof`, the profile going to this directory. */
  cpuProfileDir?: string;
  /** More Node flags for Confab (bench/profile/memory-soak.ts: `--heapsnapshot-signal`). */
  nodeArgs?: string[];
  /** More environment for Confab. */
  env?: Record<string, string>;
};

export async function mapLimited<T, R>(items: T[], limit: number, action: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await action(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
