import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunClaim, RunJob, RunQueue } from './run-queue.ts';

export type RunQueueFactory = (options: { concurrency: number }) => RunQueue | Promise<RunQueue>;

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Waits until `condition` holds, polling; fails after a generous bound (never a timing assertion). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let tries = 0; tries < 3000 && !condition(); tries++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), `gave up waiting for ${what}`);
}

/** A worker that records starts and holds each job until released. */
function gatedWorker() {
  const started: { job: RunJob; claim: RunClaim }[] = [];
  const gates = new Map<string, ReturnType<typeof deferred>>();
  return {
    started,
    runIds: () => started.map((start) => start.job.runId),
    release: (runId: string) => gates.get(runId)!.resolve(),
    worker: async (job: RunJob, claim: RunClaim) => {
      started.push({ job, claim });
      const gate = deferred();
      gates.set(job.runId, gate);
      await gate.promise;
      if (job.runId.startsWith('throw')) throw new Error('the run failed');
    },
  };
}

/** The RunQueue contract (see run-queue.ts), run over one implementation. */
export function runRunQueueContract(name: string, makeQueue: RunQueueFactory): void {
  describe(`RunQueue contract: ${name}`, () => {
    it('runs one job per conversation at a time, in order; front jumps the queue; remove takes a waiting job out', async () => {
      const queue = await makeQueue({ concurrency: 10 });
      const gated = gatedWorker();
      queue.setWorker(gated.worker);
      await queue.push({ conversationId: 'a', runId: 'a1' });
      // A distributed queue dispatches a moment later: a1 starts before a3 can jump ahead of it.
      await until(() => gated.started.length === 1, 'a1 to start');
      await queue.push({ conversationId: 'a', runId: 'a2' });
      await queue.push({ conversationId: 'a', runId: 'a3' }, { front: true });
      await until(() => gated.started.length === 1, 'a1 to start');
      assert.deepEqual(gated.runIds(), ['a1']);
      assert.deepEqual((await queue.waiting('a')).map((job) => job.runId), ['a3', 'a2']);
      gated.release('a1');
      await until(() => gated.started.length === 2, 'a3 to start');
      assert.deepEqual(gated.runIds(), ['a1', 'a3']);
      assert.equal(await queue.remove('a2'), true);
      assert.equal(await queue.remove('a3'), false, 'a started run cannot be removed');
      assert.equal(await queue.remove('nope'), false);
      gated.release('a3');
      await queue.close();
      assert.deepEqual(gated.runIds(), ['a1', 'a3']);
    });

    it('hands the worker its claim: attempt 1 and a signal that is not aborted', async () => {
      const queue = await makeQueue({ concurrency: 1 });
      const gated = gatedWorker();
      queue.setWorker(gated.worker);
      await queue.push({ conversationId: 'c', runId: 'c1' });
      await until(() => gated.started.length === 1, 'c1 to start');
      assert.equal(gated.started[0]!.claim.attempt, 1);
      assert.equal(gated.started[0]!.claim.signal.aborted, false);
      gated.release('c1');
      await queue.close();
    });

    it('caps concurrency; a throwing worker frees its slot and does not block its conversation', async () => {
      const queue = await makeQueue({ concurrency: 2 });
      const gated = gatedWorker();
      queue.setWorker(gated.worker);
      for (const [conversationId, runId] of [['x', 'throw-x1'], ['y', 'y1'], ['z', 'z1'], ['x', 'x2']]) await queue.push({ conversationId: conversationId!, runId: runId! });
      await until(() => gated.started.length === 2, 'two to start');
      // Which of the two starts first is not defined once workers fetch in parallel.
      assert.deepEqual(new Set(gated.runIds()), new Set(['throw-x1', 'y1']));
      gated.release('throw-x1');
      await until(() => gated.started.length === 3, 'a third to start');
      gated.release('y1');
      await until(() => gated.started.length === 4, 'the fourth to start');
      assert.deepEqual(new Set(gated.runIds()), new Set(['throw-x1', 'y1', 'z1', 'x2']));
      gated.release('z1');
      gated.release('x2');
      await queue.close();
    });

    it('keeps strict order per conversation across many conversations', async () => {
      const queue = await makeQueue({ concurrency: 3 });
      const order = new Map<string, string[]>();
      let executing = new Set<string>();
      let overlaps = 0;
      queue.setWorker(async (job) => {
        if (executing.has(job.conversationId)) overlaps++;
        executing.add(job.conversationId);
        await new Promise((resolve) => setTimeout(resolve, 1));
        order.set(job.conversationId, [...(order.get(job.conversationId) ?? []), job.runId]);
        executing = new Set([...executing].filter((id) => id !== job.conversationId));
      });
      const expected = new Map<string, string[]>();
      for (let run = 0; run < 5; run++) {
        for (let conversation = 0; conversation < 6; conversation++) {
          const job = { conversationId: `k${conversation}`, runId: `k${conversation}-${run}` };
          expected.set(job.conversationId, [...(expected.get(job.conversationId) ?? []), job.runId]);
          await queue.push(job);
        }
      }
      await until(() => [...order.values()].flat().length === 30, 'all 30 runs');
      assert.deepEqual(order, expected);
      assert.equal(overlaps, 0);
      await queue.close();
    });

    it('close resolves after the executing jobs settle and dispatches nothing more', async () => {
      const queue = await makeQueue({ concurrency: 1 });
      const gated = gatedWorker();
      queue.setWorker(gated.worker);
      await queue.push({ conversationId: 'q', runId: 'q1' });
      await queue.push({ conversationId: 'q', runId: 'q2' });
      await until(() => gated.started.length === 1, 'q1 to start');
      let closed = false;
      const closing = queue.close().then(() => (closed = true));
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(closed, false, 'q1 still executes');
      gated.release('q1');
      await closing;
      assert.deepEqual(gated.runIds(), ['q1']);
    });
  });
}
