import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SseFrameCutter } from './sse-frame-cutter.ts';

type Frame = [event: string | undefined, data: string];

function cut(chunks: (string | Buffer)[], maxFrameBytes?: number): Frame[] {
  const frames: Frame[] = [];
  const cutter = new SseFrameCutter((event, data) => frames.push([event, data]), maxFrameBytes);
  for (const chunk of chunks) cutter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  cutter.end();
  return frames;
}

/** Every way of splitting `text` into two chunks, plus one byte per chunk. */
function splits(text: string): Buffer[][] {
  const bytes = Buffer.from(text);
  const ways: Buffer[][] = [[...bytes].map((byte) => Buffer.from([byte]))];
  for (let at = 0; at <= bytes.length; at++) ways.push([bytes.subarray(0, at), bytes.subarray(at)]);
  return ways;
}

describe('SSE frame cutter', () => {
  test('cuts data frames, joins multi-line data with a newline and names frames by event', () => {
    const text = 'data: {"a":1}\n\nevent: message_start\ndata: {"b":2}\n\ndata: line one\ndata:line two\n\n';
    assert.deepEqual(cut([text]), [
      [undefined, '{"a":1}'],
      ['message_start', '{"b":2}'],
      [undefined, 'line one\nline two'],
    ]);
  });

  test('CRLF and lone CR end lines as LF does', () => {
    const expected: Frame[] = [['ping', '{}'], [undefined, 'x']];
    assert.deepEqual(cut(['event: ping\r\ndata: {}\r\n\r\ndata: x\r\n\r\n']), expected);
    assert.deepEqual(cut(['event: ping\rdata: {}\r\rdata: x\r\r']), expected);
  });

  test('the same frames come out however the bytes are split, multi-byte characters included', () => {
    const text = 'event: e\r\ndata: héllo → 世界 🎉\r\n\r\n: comment\ndata: [DONE]\n\n';
    const expected: Frame[] = [['e', 'héllo → 世界 🎉'], [undefined, '[DONE]']];
    for (const chunks of splits(text)) assert.deepEqual(cut(chunks), expected);
  });

  test('comments, id, retry and unknown fields are skipped; a frame without data is not delivered', () => {
    assert.deepEqual(cut([': keep-alive\n\nid: 7\nretry: 100\nfoo: bar\n\nevent: lonely\n\ndata\n\n']), [[undefined, '']]);
  });

  test('a byte order mark at the start is ignored', () => {
    assert.deepEqual(cut([Buffer.from([0xef, 0xbb, 0xbf]), 'data: x\n\n']), [[undefined, 'x']]);
  });

  test('a frame still open when the stream ends is dropped', () => {
    assert.deepEqual(cut(['data: complete\n\ndata: cut off\n']), [[undefined, 'complete']]);
  });

  test('a frame larger than the bound throws instead of buffering without end', () => {
    assert.throws(() => cut(['data: ' + 'x'.repeat(100)], 64), RangeError);
    assert.throws(() => cut(['data: ' + 'x'.repeat(40) + '\n', 'data: ' + 'y'.repeat(40) + '\n'], 64), RangeError);
    assert.deepEqual(cut(['data: ' + 'x'.repeat(40) + '\n\n'], 64), [[undefined, 'x'.repeat(40)]]);
  });
});
