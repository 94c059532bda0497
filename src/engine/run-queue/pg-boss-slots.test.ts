import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { placeNewRun, type Slot, takeOutRun } from './pg-boss-slots.ts';

const slot = (id: string, runId: string): Slot => ({ id, job: { conversationId: 'c', runId } });
const write = (id: string, runId: string) => ({ id, job: { conversationId: 'c', runId } });

describe('pg-boss slots', () => {
  it('a new run landing in the last slot needs no writes', () => {
    assert.deepEqual(placeNewRun([slot('j1', 'a'), slot('j2', 'b'), slot('j3', 'new')], 'j3', false), []);
  });

  it('a new run landing ahead of earlier ones (a concurrent insert) is moved last', () => {
    assert.deepEqual(placeNewRun([slot('j0', 'new'), slot('j1', 'a'), slot('j2', 'b')], 'j0', false), [
      write('j0', 'a'),
      write('j1', 'b'),
      write('j2', 'new'),
    ]);
  });

  it('front puts the new run in the first slot and moves the others back one', () => {
    assert.deepEqual(placeNewRun([slot('j1', 'a'), slot('j2', 'b'), slot('j3', 'new')], 'j3', true), [
      write('j1', 'new'),
      write('j2', 'a'),
      write('j3', 'b'),
    ]);
    assert.deepEqual(placeNewRun([slot('j1', 'new')], 'j1', true), []);
  });

  it('refuses a new job that is not among the slots', () => {
    assert.throws(() => placeNewRun([slot('j1', 'a')], 'j9', false), /not among the conversation's waiting jobs/);
  });

  it('taking a run out moves the later ones forward and frees the last slot', () => {
    const slots = [slot('j1', 'a'), slot('j2', 'b'), slot('j3', 'c')];
    assert.deepEqual(takeOutRun(slots, 'a'), { writes: [write('j1', 'b'), write('j2', 'c')], free: 'j3' });
    assert.deepEqual(takeOutRun(slots, 'b'), { writes: [write('j2', 'c')], free: 'j3' });
    assert.deepEqual(takeOutRun(slots, 'c'), { writes: [], free: 'j3' });
    assert.deepEqual(takeOutRun([slot('j1', 'a')], 'a'), { writes: [], free: 'j1' });
    assert.equal(takeOutRun(slots, 'zz'), undefined);
  });
});
