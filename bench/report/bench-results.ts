/** Everything one bench run produced: the shape of `bench/results/<date>.json`. */
import type { BenchParams } from '../bench-options.ts';
import type { ProfileResult } from '../profile/profile-capacity.ts';
import type { AgentOverheadResult } from '../scenarios/agent-overhead.ts';
import type { CapacityResult } from '../scenarios/capacity.ts';
import type { FanoutPoint } from '../scenarios/fanout.ts';
import type { IdleResult } from '../scenarios/idle.ts';
import type { OverheadResult } from '../scenarios/overhead.ts';
import type { ResumeResult } from '../scenarios/resume.ts';
import type { PerTarget } from '../scenarios/scenario.ts';
import type { StartupResult } from '../scenarios/startup.ts';
import type { StoreResult } from '../scenarios/store-cost.ts';
import type { TargetName } from '../targets/target.ts';

export type BenchMeta = {
  date: string;
  mode: 'quick' | 'full';
  command: string;
  node: string;
  cpus: number;
  memoryGiB: number;
  /** `uptime` load averages (1, 5, 15 min) before and after the run. */
  loadBefore: number[];
  loadAfter: number[];
  durationSeconds: number;
  targets: TargetName[];
  labels: Partial<Record<TargetName, string>>;
  clients: number;
  params: BenchParams;
};

export type BenchResults = {
  meta: BenchMeta;
  capacity?: PerTarget<CapacityResult>;
  fanout?: PerTarget<FanoutPoint[]>;
  resume?: PerTarget<ResumeResult>;
  idle?: PerTarget<IdleResult>;
  store?: PerTarget<StoreResult>;
  overhead?: { upstream: OverheadResult; targets: PerTarget<OverheadResult> };
  startup?: { floor: StartupResult; targets: PerTarget<StartupResult> };
  agentOverhead?: AgentOverheadResult;
  profile?: ProfileResult | { error: string };
};

const fixedLabels: Record<string, string> = {
  confab: 'Confab',
  relay: 'raw relay',
  'ai-sdk': 'AI SDK + resumable-stream',
  langgraph: 'LangGraph API (dev)',
};

/** The table's name of each target; `confab-wN` is Confab with `--workers N`. */
export const targetLabels = new Proxy(fixedLabels, {
  get: (labels, name: string) => labels[name] ?? (/^confab-w(\d+)$/.test(name) ? `Confab --workers ${name.slice('confab-w'.length)}` : undefined),
}) as Record<TargetName, string>;
