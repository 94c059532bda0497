/**
 * Confab's hot path as profiled: one capacity step with the server under `node --cpu-prof`, then
 * the profile summarized by self time. Run after the capacity scenario, at a load Confab sustained.
 */
import { mkdirSync, readdirSync, statSync, copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { capacityStep, type CapacityStep } from '../scenarios/capacity.ts';
import type { ScenarioContext } from '../scenarios/scenario.ts';
import { summarizeProfile, type ProfileSummary } from './summarize-cpuprofile.ts';

export type ProfileResult = { streams: number; step: CapacityStep; summary: ProfileSummary; profileFile: string; window?: { fromUs: number; toUs: number } };

export async function profileConfab(context: ScenarioContext, streams: number, tokens: number, keepDir: string): Promise<ProfileResult> {
  const dir = join(context.workDir, `cpu-profile-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const target = await context.startTarget('confab', { cpuProfileDir: dir });
  let step: CapacityStep;
  let window: { fromUs: number; toUs: number } | undefined;
  try {
    const before = await target.metrics(false);
    step = await capacityStep(context, target, streams, tokens);
    const after = await target.metrics(false);
    if (before.monotonicUs !== undefined && after.monotonicUs !== undefined) window = { fromUs: before.monotonicUs, toUs: after.monotonicUs };
  } finally {
    // The profile is written when the server exits.
    await target.stop();
  }
  const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no .cpuprofile was written to ${dir}`);
  const newest = files.map((name) => join(dir, name)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  mkdirSync(keepDir, { recursive: true });
  const kept = join(keepDir, `confab-capacity-${streams}.cpuprofile`);
  copyFileSync(newest, kept);
  // Only the step: start-up, module loading and the warm-up are not the hot path.
  const summary = summarizeProfile(JSON.parse(readFileSync(newest, 'utf8')), 20, window);
  return { streams, step, summary, profileFile: kept, window };
}
