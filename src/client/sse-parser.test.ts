import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SseParser, type SseMessage } from './sse-parser.ts';

function parseAll(chunks: string[]): SseMessage[] {
  const parser = new SseParser();
  return chunks.flatMap((chunk) => parser.feed(chunk));
}

describe('SseParser', () => {
  test('parses the frames the server sends: a retry frame, then id and data per event', () => {
    const messages = parseAll(['retry: 1000\n\nid: E.1\ndata: {"seq":1}\n\nid: E.2\ndata: {"seq":2}\n\n']);
    assert.deepEqual(messages, [
      { event: 'message', data: '{"seq":1}', lastEventId: 'E.1' },
      { event: 'message', data: '{"seq":2}', lastEventId: 'E.2' },
    ]);
  });

  test('a message split at every possible byte boundary parses the same', () => {
    const stream = 'id: E.7\ndata: {"text":"héllo"}\n\n: keep-alive\n\nid: E.8\ndata: two\n\n';
    const whole = parseAll([stream]);
    for (let cut = 1; cut < stream.length; cut++) {
      assert.deepEqual(parseAll([stream.slice(0, cut), stream.slice(cut)]), whole, `cut at ${cut}`);
    }
    assert.deepEqual(parseAll([...stream]), whole, 'one character per chunk');
  });

  test('CRLF, lone CR and LF all end lines, including a CRLF split across chunks', () => {
    assert.deepEqual(parseAll(['data: a\r\n\r\ndata: b\r\rdata: c\n\n']), [
      { event: 'message', data: 'a', lastEventId: '' },
      { event: 'message', data: 'b', lastEventId: '' },
      { event: 'message', data: 'c', lastEventId: '' },
    ]);
    // The LF after a chunk-final CR belongs to the same line ending, not an empty line.
    assert.deepEqual(parseAll(['data: x\r', '\ndata: y\r', '\n\r', '\n']), [{ event: 'message', data: 'x\ny', lastEventId: '' }]);
  });

  test('comments are skipped and do not dispatch anything', () => {
    assert.deepEqual(parseAll([': keep-alive\n\n', ':\n\n', 'data: after\n\n']), [{ event: 'message', data: 'after', lastEventId: '' }]);
  });

  test('several data lines join with newlines; one leading space is removed, others kept', () => {
    assert.deepEqual(parseAll(['data: line one\ndata:line two\ndata:  indented\ndata\n\n']), [
      { event: 'message', data: 'line one\nline two\n indented\n', lastEventId: '' },
    ]);
  });

  test('event and retry fields are reported; an invalid retry is ignored', () => {
    assert.deepEqual(parseAll(['event: ping\nretry: 2500\ndata: 1\n\nretry: soon\ndata: 2\n\n']), [
      { event: 'ping', data: '1', lastEventId: '', retry: 2500 },
      { event: 'message', data: '2', lastEventId: '' },
    ]);
  });

  test('an id without data is not dispatched but is remembered; an id containing NUL is ignored', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.feed('id: E.3\n\n'), []);
    assert.equal(parser.lastEventId, 'E.3');
    assert.deepEqual(parser.feed('id: bad\0id\ndata: x\n\n'), [{ event: 'message', data: 'x', lastEventId: 'E.3' }]);
  });

  test('a leading byte-order mark is dropped; an unterminated last message is not dispatched', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.feed('\uFEFFdata: first\n\ndata: unfinished'), [{ event: 'message', data: 'first', lastEventId: '' }]);
    parser.end();
    assert.deepEqual(parser.feed('\n\n'), []);
  });
});
