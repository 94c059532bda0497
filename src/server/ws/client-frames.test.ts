import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseClientFrame } from './client-frames.ts';

describe('parseClientFrame', () => {
  it('accepts every frame type', () => {
    const frames = [
      { type: 'subscribe', id: 1, conversationId: 'c', after: 'e.3' },
      { type: 'subscribe', conversationId: 'c', after: null },
      { type: 'unsubscribe', id: 'u', conversationId: 'c' },
      { type: 'send', id: 's', conversationId: 'c', content: 'hi', context: [{ path: 'a.ts', range: { start: 1, end: 2 } }], onBusy: 'interrupt', clientRequestId: 'r' },
      { type: 'stop', conversationId: 'c', runId: 'run_1' },
      { type: 'continue', conversationId: 'c' },
      { type: 'approve', id: 'a', conversationId: 'c', approvalId: 'appr_1', decision: 'deny-always', note: 'no' },
      { type: 'approve', conversationId: 'c', approvalId: 'appr_1', decision: 'allow-once' },
      { type: 'ping' },
    ];
    for (const frame of frames) assert.deepEqual(parseClientFrame(JSON.stringify(frame)), { ok: true, frame }, frame.type);
  });

  it('says what is wrong and keeps a usable id', () => {
    assert.deepEqual(parseClientFrame('{"type":"send","id":"x","conversationId":"c"}'), {
      ok: false,
      id: 'x',
      message: 'Invalid send frame: content: Invalid input: expected string, received undefined',
    });
    assert.deepEqual(parseClientFrame('{"type":"ping","id":true}'), { ok: false, id: undefined, message: 'Invalid ping frame: id: Invalid input' });
    assert.deepEqual(parseClientFrame('{"type":"approve","id":2,"conversationId":"c","approvalId":"a","decision":"sure"}'), {
      ok: false,
      id: 2,
      message: 'Invalid approve frame: decision: Invalid option: expected one of "allow-once"|"allow-always"|"deny"|"deny-always"',
    });
    assert.equal(parseClientFrame('{"id":1}').ok, false);
    assert.equal(parseClientFrame('null').ok, false);
  });
});
