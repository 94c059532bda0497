/** How each target is started: a fresh instance, not warmed up. */
import { startAiSdk, startLangGraph, startRelay } from './baseline-targets.ts';
import { startConfab } from './confab-target.ts';
import type { Target, TargetContext, TargetName } from './target.ts';

const fixed: Record<string, (context: TargetContext) => Promise<Target>> = { confab: startConfab, relay: startRelay, 'ai-sdk': startAiSdk, langgraph: startLangGraph };

/** The starter of a target: `confab-wN` is Confab started with `--workers N`. */
export function starterOf(name: TargetName): (context: TargetContext) => Promise<Target> {
  const workers = /^confab-w(\d+)$/.exec(name);
  if (workers) return (context) => startConfab(context, { workers: Number(workers[1]) });
  return fixed[name];
}
