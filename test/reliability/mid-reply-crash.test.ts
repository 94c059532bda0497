/**
 * Nothing the user saw is lost, shown as processes: each cycle starts `confab serve`, starts a slow
 * reply (the fake upstream streams `w1 w2 … w300` in random pieces, 8 ms apart) watched over SSE
 * and WebSocket, SIGKILLs the server at a random moment 0–1.2 s after the first delta, restarts it
 * on the same data directory and checks the run: `interrupted`, its stored partial text a prefix of
 * what the watchers saw, and what they saw but the store lost received at most one checkpoint
 * interval (plus slack) before the kill. Then `continue` must finish the text exactly.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { startOpenAIUpstream } from '../peers/openai-upstream.ts';
import type { FakeUpstream, ScriptChunk } from '../peers/upstream-script.ts';
import { makeProjectDir } from '../support/hub-fixture.ts';
import { eventually, spawnServe, type SpawnedServe } from '../support/server-fixture.ts';
import { messageText, shownDeltas, watchSse, watchWs, type ShownDelta } from './delta-watchers.ts';
import { scaled } from './scale.ts';
import { apiOf, reliabilitySeed, seeded, type Api } from './support.ts';

/** The server's checkpoint interval (`checkpointIntervalMs`, src/engine/hub-options.ts). */
const checkpointIntervalMs = 250;
/**
 * On top of the interval: the checkpoint timer firing late by an event-loop turn and the commit
 * itself, on a loaded machine (2 shared cores). Delivery to the watcher only makes the measured
 * loss smaller (a delta is received after it was emitted), so it needs no allowance.
 */
const slackMs = 250;
const killWindowMs = 1200;
const chunkDelayMs = 8;
/** 300 words (1,391 characters) in pieces of 1–6 characters: ~400 chunks, over 3 s at 8 ms apart, so every kill lands mid-reply. */
const fullText = Array.from({ length: 300 }, (_, index) => `w${index + 1}`).join(' ');

type Shown = { name: string; text: string; deltas: ShownDelta[] };
type Crash = { conversationId: string; runId: string; killedAt: number; shown: Shown[]; longest: string };
/** `trimmedJoin`: the stored partial ended in whitespace the pre-fill left out (the join the engine must not double). */
type Outcome = { lostChars: number; lostMs: number; storedChars: number; trimmedJoin: boolean };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Splits `text` into pieces of 1–6 characters, so a checkpoint can end anywhere: mid-word, on a space. */
function chunksOf(text: string, random: () => number): ScriptChunk[] {
  const chunks: ScriptChunk[] = [];
  for (let start = 0; start < text.length; ) {
    const size = 1 + Math.floor(random() * 6);
    chunks.push({ text: text.slice(start, start + size) });
    start += size;
  }
  return chunks;
}

/** Asserts `text` is the whole reply; on a difference, shows where it starts rather than 1,300 characters twice. */
function sameText(text: string, what: string): void {
  if (text === fullText) return;
  let at = 0;
  while (text[at] === fullText[at]) at++;
  const around = (value: string) => JSON.stringify(value.slice(Math.max(0, at - 20), at + 20));
  assert.fail(`${what}: differs at character ${at}: ${around(text)}, expected ${around(fullText)}`);
}

async function crashMidReply(serve: SpawnedServe, api: Api, upstream: FakeUpstream, random: () => number, cycle: number): Promise<Crash> {
  const created = await api('POST', '/v1/conversations', { projectName: 'demo' });
  assert.equal(created.status, 201);
  const conversationId: string = created.body.conversation.id;
  const watchers = [await watchSse(serve, conversationId), await watchWs(serve, conversationId)];
  upstream.enqueue({ kind: 'stream', chunks: chunksOf(fullText, random), delayMs: chunkDelayMs });
  const sent = await api('POST', `/v1/conversations/${conversationId}/messages`, { content: `cycle ${cycle}: count to 300` });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  const runId: string = sent.body.run.id;
  await eventually(() => watchers.some((watcher) => shownDeltas(watcher, runId).deltas.length > 0), 15_000, 'the first delta');
  await sleep(Math.floor(random() * killWindowMs));
  const killedAt = performance.now();
  await serve.kill('SIGKILL');
  // What was already on its way (in the kernel's buffers) still arrives and counts as shown.
  await Promise.all(watchers.map((watcher) => watcher.ended(2_000)));
  for (const watcher of watchers) watcher.close();

  const shown = watchers.map((watcher) => ({ name: watcher.name, ...shownDeltas(watcher, runId) }));
  const longest = shown.reduce((best, candidate) => (candidate.text.length > best.length ? candidate.text : best), '');
  for (const { name, text } of shown) {
    assert.ok(longest.startsWith(text), `every watcher (${name}) was shown a prefix of the same text`);
  }
  assert.ok(fullText.startsWith(longest), 'watchers were shown the upstream text in order');
  assert.ok(longest.length > 0 && longest.length < fullText.length, `the kill landed mid-reply (${longest.length} of ${fullText.length} characters shown)`);
  return { conversationId, runId, killedAt, shown, longest };
}

async function checkAndContinue(serve: SpawnedServe, api: Api, upstream: FakeUpstream, random: () => number, crash: Crash): Promise<Outcome> {
  const path = `/v1/conversations/${crash.conversationId}`;
  const stored = await api('GET', path);
  assert.equal(stored.status, 200);
  const run = stored.body.runs.find((candidate: { id: string }) => candidate.id === crash.runId);
  assert.equal(run?.status, 'interrupted', `the killed run is interrupted: ${JSON.stringify(run)}`);
  const message = stored.body.messages.find((candidate: { id: string }) => candidate.id === run.assistantMessageId);
  if (message) assert.equal(message.status, 'interrupted');
  const partial = messageText(message);
  assert.ok(crash.longest.startsWith(partial), `stored partial (${partial.length} characters) is a prefix of what a watcher saw (${crash.longest.length})`);

  const lostChars = crash.longest.length - partial.length;
  // Deltas arrive in order, so the first lost character arrived first.
  const firstLostAt = Math.min(...crash.shown.map((shown) => shown.deltas.find((delta) => delta.end > partial.length)?.at ?? Infinity));
  const lostMs = lostChars === 0 ? 0 : crash.killedAt - firstLostAt;
  assert.ok(
    lostMs <= checkpointIntervalMs + slackMs,
    `lost output was received ${lostMs.toFixed(0)} ms before the kill (${lostChars} characters); the bound is ${checkpointIntervalMs} + ${slackMs} ms`,
  );

  // The model continues after the pre-fill, which providers want without trailing whitespace.
  const prefill = partial.trimEnd();
  upstream.enqueue({ kind: 'stream', chunks: chunksOf(fullText.slice(prefill.length), random) });
  const watcher = await watchSse(serve, crash.conversationId);
  const requestIndex = upstream.requests.length;
  const continued = await api('POST', `${path}/continue`);
  assert.equal(continued.status, 202, JSON.stringify(continued.body));
  const continueRunId: string = continued.body.run.id;
  try {
    await eventually(
      () => watcher.seen.some(({ event }) => event.runId === continueRunId && event.type.startsWith('run-') && !['run-queued', 'run-started'].includes(event.type)),
      15_000,
      'the continued run to end',
    );
  } finally {
    watcher.close();
  }
  const lastPrompt = upstream.requests[requestIndex]!.body.messages.at(-1);
  if (prefill === '') assert.equal(lastPrompt.role, 'user', 'nothing stored: the model starts over');
  else assert.deepEqual(lastPrompt, { role: 'assistant', content: prefill }, 'the model is shown the stored partial');

  const snapshot = watcher.seen.find(({ event }) => event.type === 'snapshot')!.event;
  const shownPartial = messageText(snapshot.data.state.messages.find((candidate: { id: string }) => candidate.id === run.assistantMessageId));
  const continuation = shownDeltas(watcher, continueRunId).text;
  assert.equal(shownPartial, partial, 'a watcher joining after the restart is shown the stored partial');
  sameText(partial + continuation, `stored partial (${partial.length} characters) + continuation: nothing doubled or missing at the join`);

  const final = await api('GET', path);
  const finalRun = final.body.runs.find((candidate: { id: string }) => candidate.id === continueRunId);
  assert.equal(finalRun?.status, 'completed');
  const finalMessage = final.body.messages.find((candidate: { id: string }) => candidate.id === finalRun.assistantMessageId);
  assert.equal(finalMessage?.status, 'completed');
  sameText(messageText(finalMessage), 'the stored final text is the whole reply, once');
  return { lostChars, lostMs, storedChars: partial.length, trimmedJoin: prefill !== partial };
}

describe('mid-reply crashes (processes)', () => {
  it('a reply SIGKILLed mid-stream is interrupted, loses at most a checkpoint interval of what was shown, and continues without a seam', async () => {
    const cycles = scaled(3, 30);
    const seed = reliabilitySeed();
    const random = seeded(seed);
    process.stdout.write(`# mid-reply crash: seed ${seed} (replay with CONFAB_RELIABILITY_SEED=${seed})\n`);
    const dataDir = await mkdtemp(join(tmpdir(), 'confab-crash-'));
    const project = await makeProjectDir();
    const upstream = await startOpenAIUpstream();
    const outcomes: Outcome[] = [];
    let pending: Crash | undefined;
    try {
      // One more start than kills: the last start checks the last kill.
      for (let cycle = 0; cycle <= cycles; cycle++) {
        const serve = await spawnServe({ dataDir, upstreamUrl: upstream.url });
        const api = apiOf(serve);
        try {
          if (cycle === 0) assert.equal((await api('POST', '/v1/projects', { name: 'demo', path: project.path })).status, 201);
          if (pending) outcomes.push(await checkAndContinue(serve, api, upstream, random, pending));
          pending = cycle < cycles ? await crashMidReply(serve, api, upstream, random, cycle) : undefined;
        } finally {
          await serve.kill(cycle < cycles ? 'SIGKILL' : 'SIGTERM');
        }
      }
      const most = (pick: (outcome: Outcome) => number) => Math.max(...outcomes.map(pick));
      const count = (test: (outcome: Outcome) => boolean) => outcomes.filter(test).length;
      process.stdout.write(
        `# mid-reply crash: ${cycles} SIGKILL cycles, ${cycles} interrupted and continued exactly ` +
          `(${count((outcome) => outcome.trimmedJoin)} across trimmed whitespace, ${count((outcome) => outcome.storedChars === 0)} from nothing stored); ` +
          `output lost in ${count((outcome) => outcome.lostChars > 0)}: at most ${most((outcome) => outcome.lostMs).toFixed(0)} ms / ${most((outcome) => outcome.lostChars)} characters ` +
          `(bound ${checkpointIntervalMs} + ${slackMs} ms) (seed ${seed})\n`,
      );
    } finally {
      await upstream.close();
      await project.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
