/** How each target is started: a fresh instance, not warmed up. */
import { startAiSdk, startLangGraph, startRelay } from './baseline-targets.ts';
import { startConfab } from './confab-target.ts';
import type { Target, TargetContext, TargetName } from './target.ts';

export const starters: Record<TargetName, (context: TargetContext) => Promise<Target>> = { confab: startConfab, relay: startRelay, 'ai-sdk': startAiSdk, langgraph: startLangGraph };
