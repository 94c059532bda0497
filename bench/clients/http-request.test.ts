import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseFrames, stringAfter } from './http-request.ts';

test('frames cut by chunk boundaries come out whole, and the count includes the frame handed out', () => {
  const frames = new SseFrames();
  const seen: [string, number][] = [];
  frames.push('data: a\n\nda', (frame) => seen.push([frame, frames.consumed]));
  frames.push('ta: b\n', (frame) => seen.push([frame, frames.consumed]));
  frames.push('\n', (frame) => seen.push([frame, frames.consumed]));
  assert.deepEqual(seen, [['data: a', 9], ['data: b', 18]]);
});

test('stringAfter reads the quoted value after a key', () => {
  assert.deepEqual(stringAfter('{"type":"part-delta","delta":"AbC-"}', '"delta":"'), { value: 'AbC-', end: 35 });
  assert.equal(stringAfter('{"type":"ack"}', '"delta":"'), undefined);
});
