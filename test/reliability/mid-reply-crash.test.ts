/**
 * Nothing the user saw is lost, shown as processes, on each store with a journal (SQLite; Postgres
 * through `--database-url`): each cycle starts `confab serve`, starts a slow
 * reply (the fake upstream streams `w1 w2 … w300` in random pieces, 8 ms apart) watched over SSE
 * and WebSocket, SIGKILLs the server at a random moment 0–1.2 s after the first delta, restarts it
 * on the same data directory and checks the run: `interrupted`, and the longest text any watcher
 * was shown is its stored partial text or a prefix of it (events are journaled before delivery:
 * nothing shown is lost, not a millisecond; the store may hold a little more, committed in the turn
 * the kill cut short). Each watcher then reconnects with the cursor it last saw before the kill
 * and must get a replay, not a snapshot: the events after its cursor, every seq once and in order,
 * which complete its text to the stored partial and end the run as interrupted. Then `continue`
 * must finish the text exactly.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { disposeJournalBackends, selectedJournalBackends } from '../../src/store/journal-test-backends.ts';
import { createTestDatabase } from '../../src/store/postgres/postgres-test-database.ts';
import { startOpenAIUpstream } from '../peers/openai-upstream.ts';
import type { FakeUpstream } from '../peers/upstream-script.ts';
import { makeProjectDir } from '../support/hub-fixture.ts';
import { eventually, spawnServe, type SpawnedServe } from '../support/server-fixture.ts';
import { messageText, shownDeltas, watchSse, watchWs, type ShownDelta } from './delta-watchers.ts';
import { scaled } from './scale.ts';
import { apiOf, chunksOf, reliabilitySeed, seeded, type Api } from './support.ts';

const killWindowMs = 1200;
const chunkDelayMs = 8;
/** 300 words (1,391 characters) in pieces of 1–6 characters: ~400 chunks, over 3 s at 8 ms apart, so every kill lands mid-reply. */
const fullText = Array.from({ length: 300 }, (_, index) => `w${index + 1}`).join(' ');

type Shown = { name: string; text: string; deltas: ShownDelta[]; lastCursor: string; lastSeq: number };
type Crash = { conversationId: string; runId: string; shown: Shown[]; longest: string };
/**
 * `trimmedJoin`: the stored partial ended in whitespace the pre-fill left out (the join the engine
 * must not double). `replayed`: events the resuming watchers were replayed, all together.
 */
type Outcome = { storedChars: number; unshownChars: number; trimmedJoin: boolean; replayed: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
  await serve.kill('SIGKILL');
  // What was already on its way (in the kernel's buffers) still arrives and counts as shown.
  await Promise.all(watchers.map((watcher) => watcher.ended(2_000)));
  for (const watcher of watchers) watcher.close();

  const shown = watchers.map((watcher) => {
    const last = watcher.seen.at(-1)!.event;
    return { name: watcher.name, ...shownDeltas(watcher, runId), lastCursor: last.cursor, lastSeq: last.seq };
  });
  const longest = shown.reduce((best, candidate) => (candidate.text.length > best.length ? candidate.text : best), '');
  for (const { name, text } of shown) {
    assert.ok(longest.startsWith(text), `every watcher (${name}) was shown a prefix of the same text`);
  }
  assert.ok(fullText.startsWith(longest), 'watchers were shown the upstream text in order');
  assert.ok(longest.length > 0 && longest.length < fullText.length, `the kill landed mid-reply (${longest.length} of ${fullText.length} characters shown)`);
  return { conversationId, runId, shown, longest };
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

  nothingShownLost(partial, crash.longest);
  let replayed = 0;
  for (const before of crash.shown) replayed += await resumeFromCursor(serve, crash, before, partial);

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
  return { storedChars: partial.length, unshownChars: partial.length - crash.longest.length, trimmedJoin: prefill !== partial, replayed };
}

/**
 * The longest text a watcher was shown is the stored partial, or a prefix of it: nothing shown was
 * lost. The store can hold more: events committed in the turn the kill interrupted, before they
 * reached a socket, or written but lost with the killed process's socket buffers. Those are not
 * lost either: the resuming watchers are replayed them (resumeFromCursor).
 */
function nothingShownLost(partial: string, longest: string): void {
  if (partial.startsWith(longest)) return;
  assert.fail(`the stored partial (${partial.length} characters) lost text the watchers were shown (${longest.length} characters): ${JSON.stringify(partial.slice(-20))} vs ${JSON.stringify(longest.slice(-20))}`);
}

/**
 * Reconnects as `before` would, with the cursor it last saw before the kill (SSE with `after`, the
 * WebSocket with `subscribe.after`), and checks it is replayed exactly what it missed. Returns the
 * number of events replayed.
 */
async function resumeFromCursor(serve: SpawnedServe, crash: Crash, before: Shown, partial: string): Promise<number> {
  const watch = before.name === 'sse' ? watchSse : watchWs;
  const watcher = await watch(serve, crash.conversationId, before.lastCursor);
  try {
    const done = () => watcher.seen.some(({ event }) => event.type === 'snapshot' || (event.type === 'run-interrupted' && event.runId === crash.runId));
    await eventually(done, 15_000, `${before.name}: the replay up to the run's interruption (after ${before.lastCursor}; got ${watcher.seen.map(({ event }) => `${event.type}@${event.cursor}`).join(', ') || 'nothing'})`);
  } finally {
    watcher.close();
  }
  const events = watcher.seen.map(({ event }) => event);
  assert.deepEqual(events.filter((event) => event.type === 'snapshot').map((event) => event.cursor), [], `${before.name}: a pre-crash cursor (${before.lastCursor}) is replayed, not answered with a snapshot`);
  const seqs = events.map((event) => event.seq);
  assert.deepEqual(seqs, seqs.map((_, index) => before.lastSeq + 1 + index), `${before.name}: the events right after its cursor, each once, in order`);
  const replayedText = shownDeltas(watcher, crash.runId).text;
  assert.equal(before.text + replayedText, partial, `${before.name}: what it was shown plus the replay is the stored partial, no gap and no duplicate`);
  return events.length;
}

/** Each store with a journal (CONFAB_TEST_JOURNALS): SQLite in the data directory, or Postgres through `--database-url`. */
after(disposeJournalBackends);
const { selected, skipped } = await selectedJournalBackends();
const serveArgs: Record<string, () => Promise<string[]>> = {
  sqlite: async () => [],
  postgres: async () => {
    const database = await createTestDatabase('confab_test_crash');
    after(() => database.drop());
    return ['--database-url', database.url];
  },
};

describe('mid-reply crashes (processes)', () => {
  for (const { name, reason } of skipped) it(`on ${name}`, { skip: reason }, () => {});
  for (const { name } of selected) {
    it(`on ${name}: a reply SIGKILLed mid-stream is interrupted losing nothing shown, replays to pre-crash cursors, and continues without a seam`, async () => {
      const args = await serveArgs[name]!();
      const cycles = scaled(3, 30);
      const seed = reliabilitySeed();
      const random = seeded(seed);
      process.stdout.write(`# mid-reply crash on ${name}: seed ${seed} (replay with CONFAB_RELIABILITY_SEED=${seed})\n`);
      const dataDir = await mkdtemp(join(tmpdir(), 'confab-crash-'));
      const project = await makeProjectDir();
      const upstream = await startOpenAIUpstream();
      const outcomes: Outcome[] = [];
      let pending: Crash | undefined;
      try {
        // One more start than kills: the last start checks the last kill.
        for (let cycle = 0; cycle <= cycles; cycle++) {
          const serve = await spawnServe({ dataDir, upstreamUrl: upstream.url, args });
          const api = apiOf(serve);
          try {
            if (cycle === 0) assert.equal((await api('POST', '/v1/projects', { name: 'demo', path: project.path })).status, 201);
            if (pending) outcomes.push(await checkAndContinue(serve, api, upstream, random, pending));
            pending = cycle < cycles ? await crashMidReply(serve, api, upstream, random, cycle) : undefined;
          } finally {
            await serve.kill(cycle < cycles ? 'SIGKILL' : 'SIGTERM');
          }
        }
        report(name, cycles, seed, outcomes);
      } finally {
        await upstream.close();
        await project.cleanup();
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  }
});

function report(name: string, cycles: number, seed: number, outcomes: Outcome[]): void {
  const most = (pick: (outcome: Outcome) => number) => Math.max(...outcomes.map(pick));
  const count = (test: (outcome: Outcome) => boolean) => outcomes.filter(test).length;
  process.stdout.write(
    `# mid-reply crash on ${name}: ${cycles} SIGKILL cycles, ${cycles} interrupted and continued exactly ` +
      `(${count((outcome) => outcome.trimmedJoin)} across trimmed whitespace, ${count((outcome) => outcome.storedChars === 0)} from nothing stored); ` +
      `nothing shown was lost in all ${cycles} (stored partial = longest text shown in ${count((outcome) => outcome.unshownChars === 0)}` +
      `${count((outcome) => outcome.unshownChars > 0) > 0 ? `; store ahead by up to ${most((outcome) => outcome.unshownChars)} characters, committed but not yet shown, in the others` : ''}); ` +
      `${cycles * 2} watchers resumed from pre-crash cursors by replay, ` +
      `no snapshot, no gap, no duplicate (up to ${most((outcome) => outcome.replayed)} events replayed per cycle) (seed ${seed})\n`,
  );
}
