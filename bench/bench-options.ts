/**
 * `npm run bench -- [--quick] [--only capacity,fanout,...,agent-overhead] [--targets confab,relay,ai-sdk,langgraph]
 *                   [--confab-workers 0,1,2]
 *                   [--clients N] [--profile | --no-profile] [--steps 100,250] [--out DIR]`
 * and the parameters of each scenario in the two modes: quick (about a minute, for development)
 * and full (at most 15 minutes on a 2-core machine).
 */
import { parseArgs } from 'node:util';
import type { TargetName } from './targets/target.ts';

export const scenarioNames = ['capacity', 'fanout', 'resume', 'idle', 'store', 'overhead', 'startup'] as const;
/** Run only when named in `--only`: they need the coding agents of the tools cache (scripts/ci/install-agents.sh). */
export const optInScenarioNames = ['agent-overhead'] as const;
export type ScenarioName = (typeof scenarioNames)[number] | (typeof optInScenarioNames)[number];
export const targetNames: TargetName[] = ['confab', 'relay', 'ai-sdk', 'langgraph'];

export type BenchParams = {
  tokenSize: number;
  /** Tokens per second per stream. */
  rate: number;
  capacity: {
    steps: number[];
    tokens: number;
    /** Starts are spread evenly over this long. */
    rampMs: number;
    /** Past the last token's due time, how long a step may take before it counts as saturated. */
    slackMs: number;
    /** A step whose p99 latency exceeds this (or that delivers less than 99% of its tokens) is saturated. */
    maxP99Ms: number;
    /** After a saturated step, try the midpoint between it and the last good step. */
    refine: boolean;
  };
  fanout: { sizes: number[]; tokens: number };
  resume: { conversations: number; watchersEach: number; tokens: number; dropAtMs: number; offlineMs: number };
  idle: { connections: number; perConversation: number; settleMs: number };
  store: { streams: number; tokens: number; rampMs: number };
  overhead: { sends: number; spacingMs: number; tokens: number };
  /** Turns per side (direct and through Confab), after one warm-up turn each. */
  agentOverhead: { sends: number };
  /** Fresh starts per target (the median is reported). */
  startup: { runs: number };
  /** Confab under `--cpu-prof` for one capacity step of this many streams (undefined: no profile). */
  profile: { streams: number; tokens: number } | undefined;
};

export type BenchOptions = {
  mode: 'quick' | 'full';
  scenarios: ScenarioName[];
  targets: TargetName[];
  clients: number;
  outDir: string;
  params: BenchParams;
};

const quick: BenchParams = {
  tokenSize: 4,
  rate: 50,
  capacity: { steps: [25, 50], tokens: 80, rampMs: 300, slackMs: 3_000, maxP99Ms: 1_000, refine: false },
  fanout: { sizes: [1, 50], tokens: 80 },
  resume: { conversations: 10, watchersEach: 5, tokens: 80, dropAtMs: 700, offlineMs: 300 },
  idle: { connections: 500, perConversation: 10, settleMs: 800 },
  store: { streams: 20, tokens: 80, rampMs: 200 },
  overhead: { sends: 6, spacingMs: 150, tokens: 3 },
  agentOverhead: { sends: 5 },
  startup: { runs: 1 },
  profile: undefined,
};

const full: BenchParams = {
  tokenSize: 4,
  rate: 50,
  capacity: { steps: [100, 250, 500, 1000, 2000], tokens: 500, rampMs: 2_000, slackMs: 8_000, maxP99Ms: 1_000, refine: true },
  fanout: { sizes: [1, 100, 1000], tokens: 250 },
  resume: { conversations: 100, watchersEach: 10, tokens: 500, dropAtMs: 4_000, offlineMs: 1_000 },
  idle: { connections: 10_000, perConversation: 10, settleMs: 2_000 },
  store: { streams: 50, tokens: 500, rampMs: 1_000 },
  overhead: { sends: 40, spacingMs: 200, tokens: 5 },
  agentOverhead: { sends: 30 },
  startup: { runs: 7 },
  profile: { streams: 250, tokens: 400 },
};

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      targets: { type: 'string' },
      clients: { type: 'string', default: '2' },
      profile: { type: 'boolean' },
      'no-profile': { type: 'boolean' },
      /** Capacity steps to run instead of the mode's (no refinement): for before/after comparisons of one load. */
      steps: { type: 'string' },
      out: { type: 'string', default: 'bench/results' },
      'confab-workers': { type: 'string' },
    },
    strict: true,
  });
  const list = <T extends string>(value: string | undefined, allowed: readonly T[], what: string, optIn: readonly T[] = []): T[] => {
    if (value === undefined) return allowed.filter((name) => !optIn.includes(name));
    const names = value.split(',').map((name) => name.trim()).filter(Boolean);
    for (const name of names) if (!allowed.includes(name as T)) throw new Error(`unknown ${what} "${name}"; choose from ${allowed.join(', ')}`);
    return names as T[];
  };
  const mode = values.quick ? 'quick' : 'full';
  const params = structuredClone(mode === 'quick' ? quick : full);
  if (values.profile) params.profile ??= { streams: 100, tokens: 200 };
  if (values['no-profile']) params.profile = undefined;
  if (values.steps !== undefined) params.capacity = { ...params.capacity, steps: parseSteps(values.steps), refine: false };
  return {
    mode,
    scenarios: list<ScenarioName>(values.only, [...scenarioNames, ...optInScenarioNames], 'scenario', optInScenarioNames),
    targets: withConfabWorkers(list(values.targets, targetNames, 'target'), values['confab-workers']),
    clients: Math.max(1, Number(values.clients) || 2),
    outDir: values.out,
    params,
  };
}

/**
 * `--confab-workers 0,1,2`: Confab is measured once per value, started with `--workers N`
 * (targets `confab-w0`, `confab-w1`, …), in place of the one Confab target.
 */
function withConfabWorkers(targets: TargetName[], value: string | undefined): TargetName[] {
  if (value === undefined) return targets;
  const counts = value.split(',').map((count) => count.trim());
  for (const count of counts) if (!/^[0-4]$/.test(count)) throw new Error(`--confab-workers takes numbers from 0 to 4, got "${count}"`);
  return targets.flatMap((name) => (name === 'confab' ? counts.map((count) => `confab-w${count}` as TargetName) : [name]));
}

function parseSteps(value: string): number[] {
  const steps = value.split(',').map((step) => Number(step.trim()));
  if (steps.length === 0 || steps.some((step) => !Number.isInteger(step) || step <= 0)) throw new Error(`--steps takes positive whole numbers separated by commas, got "${value}"`);
  return steps;
}
