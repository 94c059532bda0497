import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfabEvent } from '../events/definitions.ts';
import { encodeEvent } from './encode-event.ts';
import { sseFrame } from './sse/sse-frame.ts';

const event = (): ConfabEvent => ({
  seq: 3,
  cursor: 'ep.3',
  conversationId: 'conv_1',
  runId: 'run_1',
  type: 'part-delta',
  at: 1700000000000,
  data: { messageId: 'msg_1', partId: 'part_1', delta: 'line one\nline "two"' },
});

describe('encodeEvent', () => {
  it('encodes an event once and returns the same string to every caller', () => {
    const shared = event();
    const first = encodeEvent(shared);
    assert.equal(first, JSON.stringify(shared));
    shared.seq = 99; // a cached encoding is not recomputed
    assert.equal(encodeEvent(shared), first);
    assert.notEqual(encodeEvent(event()), undefined);
  });

  it('frames SSE as id and data lines, with newlines in text escaped inside the JSON', () => {
    assert.equal(
      sseFrame(event()),
      'id: ep.3\ndata: {"seq":3,"cursor":"ep.3","conversationId":"conv_1","runId":"run_1","type":"part-delta","at":1700000000000,"data":{"messageId":"msg_1","partId":"part_1","delta":"line one\\nline \\"two\\""}}\n\n',
    );
  });
});
