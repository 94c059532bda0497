import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunControl, StopReason } from './run-control.ts';

export type RunControlFactory = () => RunControl | Promise<RunControl>;

/** The RunControl contract (see run-control.ts), run over one implementation. */
export function runRunControlContract(name: string, makeControl: RunControlFactory): void {
  const runId = () => `run_${Math.random().toString(36).slice(2)}`;
  const settleSoon = () => new Promise((resolve) => setTimeout(resolve, 10));
  /** Waits until a stop arrives (across processes it takes a moment), then a little more for any duplicate. */
  const delivered = async (seen: unknown[]) => {
    for (let waited = 0; seen.length === 0 && waited < 10_000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
    await settleSoon();
  };

  describe(`RunControl contract: ${name}`, () => {
    it('delivers a stop requested while the run is watched, once', async () => {
      const control = await makeControl();
      const id = runId();
      const seen: StopReason[] = [];
      const watch = await control.watch(id, (reason) => seen.push(reason));
      await control.requestStop(id, { kind: 'stop' });
      await control.requestStop(id, { kind: 'delete' });
      await delivered(seen);
      assert.deepEqual(seen, [{ kind: 'stop' }]);
      watch.close();
      await control.settle(id);
    });

    it('never loses a stop requested before the watch starts (between claim and start)', async () => {
      const control = await makeControl();
      const id = runId();
      await control.requestStop(id, { kind: 'stop' });
      const seen: StopReason[] = [];
      const watch = await control.watch(id, (reason) => seen.push(reason));
      await delivered(seen);
      assert.deepEqual(seen, [{ kind: 'stop' }]);
      watch.close();
      await control.settle(id);
    });

    it('reaches only the run it names; a closed watch hears nothing', async () => {
      const control = await makeControl();
      const [first, second] = [runId(), runId()];
      const seen: string[] = [];
      await control.watch(first, () => seen.push('first'));
      const closed = await control.watch(second, () => seen.push('second'));
      closed.close();
      await control.requestStop(second, { kind: 'stop' });
      await settleSoon();
      assert.deepEqual(seen, []);
      await control.settle(first);
      await control.settle(second);
    });

    it('after settle, a new watch of the same run (a re-dispatch) starts clean', async () => {
      const control = await makeControl();
      const id = runId();
      await control.requestStop(id, { kind: 'shutdown' });
      await control.settle(id);
      const seen: StopReason[] = [];
      const watch = await control.watch(id, (reason) => seen.push(reason));
      await settleSoon();
      assert.deepEqual(seen, []);
      watch.close();
    });
  });
}
