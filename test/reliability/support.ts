/**
 * What the reliability tests share: an authorised JSON client for a spawned `confab serve`, and a
 * seeded random source, so a failing cycle can be replayed with `CONFAB_RELIABILITY_SEED=<seed>`.
 */
import type { ScriptChunk } from '../peers/upstream-script.ts';
import type { SpawnedServe } from '../support/server-fixture.ts';

export type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

export function apiOf(serve: SpawnedServe): Api {
  return async (method, path, body) => {
    const response = await fetch(`${serve.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${serve.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
}

/** The seed of this run: `CONFAB_RELIABILITY_SEED` when set, else one derived from the time (print it). */
export function reliabilitySeed(): number {
  return Number(process.env.CONFAB_RELIABILITY_SEED ?? Date.now() % 100_000);
}

/** A deterministic random source in [0, 1). */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Splits `text` into pieces of 1–6 characters, so a checkpoint can end anywhere: mid-word, on a space. */
export function chunksOf(text: string, random: () => number): ScriptChunk[] {
  const chunks: ScriptChunk[] = [];
  for (let start = 0; start < text.length; ) {
    const size = 1 + Math.floor(random() * 6);
    chunks.push({ text: text.slice(start, start + size) });
    start += size;
  }
  return chunks;
}
