import type { Store } from '../store/store.ts';
import type { Clock } from '../util/clock.ts';
import type { IdGenerator } from '../util/ids.ts';
import type { Logger } from '../util/logger.ts';
import type { CatalogBus } from '../catalog/catalog-bus.ts';
import type { CatalogFeedLimits } from '../catalog/catalog-feed.ts';
import type { EngineObserver } from './engine-observer.ts';
import type { ApprovalOptions } from './approvals/approval-gate.ts';
import type { ExpiryTimers } from './approvals/approval-timers.ts';
import type { EventLog } from './event-log/event-log.ts';
import type { RunQueue } from './run-queue/run-queue.ts';
import type { RunControl } from './run-control/run-control.ts';
import type { RetryOptions } from './run/retry-policy.ts';
import type { TakeOverPolicy } from './run/take-over.ts';
import type { ModelResolver, ToolExecutor } from './run/run-context.ts';
import type { RemoteExecution } from './run/remote-execution.ts';

export type SessionHubOptions = {
  store: Store;
  models: ModelResolver;
  /** Defaults to the built-in read-only project tools. */
  tools?: ToolExecutor;
  /** Which tool calls wait for a person's approval (besides tools that declare it), and for how long. */
  approvals?: ApprovalOptions;
  /** Defaults to the in-process log. */
  eventLog?: EventLog;
  /** Defaults to the in-process queue. */
  runQueue?: RunQueue;
  /** Defaults to the in-process run control. */
  runControl?: RunControl;
  clock?: Clock;
  ids?: IdGenerator;
  random?: () => number;
  logger?: Logger;
  /** Where runs of remotely served projects execute (machine workers, `src/workers/`). Default: every run here. */
  remote?: RemoteExecution;
  /** The model that writes each conversation's title after its first reply (model-titles.ts). None: the first message's title stays. */
  titleModel?: string;
  /** Told what happens (appended events, checkpoint writes), for metrics; see engine-observer.ts. */
  observer?: EngineObserver;
  /** Where catalog changes go and the catalog feed hears them (src/catalog/). Default: in this process only. */
  catalogBus?: CatalogBus;
  catalogFeed?: Partial<CatalogFeedLimits>;
  limits?: Partial<HubLimits>;
  retry?: Partial<RetryOptions>;
  /**
   * Set when this hub is one node of a cluster: other processes share its store (Postgres), log
   * (Redis), queue (pg-boss) and run control (Redis). See docs/scale-out.md and src/cluster/.
   */
  cluster?: ClusterHubOptions;
};

export type ClusterHubOptions = {
  /** What a worker does with a run whose worker died mid-run. Default `continue-once`. */
  takeOver?: TakeOverPolicy;
  /** How long `close()` lets this node's runs finish before it interrupts them. Default 10 s. */
  shutdownGraceMs?: number;
  /** Approvals' expiry shared by the nodes (src/cluster/approval-expiry-queue.ts); default: this process's timers. */
  approvalExpiry?: ExpiryTimers;
};

export type HubLimits = {
  /** How often live partial messages are written to the store while they change, on an event log that is not durable (the journal needs no timer). */
  checkpointIntervalMs: number;
  /** How long a conversation with no subscribers and no run stays in memory. */
  idleReleaseMs: number;
  /** Events held per live conversation for replay. */
  logCapacity: number;
  /** Events queued per subscriber before it is cut over to a snapshot. */
  subscriberBufferLimit: number;
  /** Model steps per run (tool loop iterations). */
  maxSteps: number;
  /** Runs executing at once across all conversations. */
  maxConcurrentRuns: number;
  /** Runs waiting per conversation. */
  maxQueuedRuns: number;
  /** Characters in one message's text. */
  maxMessageChars: number;
  /** Bytes of context attached to one message. */
  maxContextBytes: number;
  /** Context attachments on one message. */
  maxContextParts: number;
  /** Characters in a system prompt. */
  maxSystemPromptChars: number;
};

export const defaultLimits: HubLimits = {
  checkpointIntervalMs: 250,
  idleReleaseMs: 60_000,
  logCapacity: 10_000,
  subscriberBufferLimit: 2_000,
  maxSteps: 10,
  maxConcurrentRuns: 64,
  maxQueuedRuns: 20,
  maxMessageChars: 100_000,
  maxContextBytes: 256 * 1024,
  maxContextParts: 20,
  maxSystemPromptChars: 20_000,
};
