import assert from 'node:assert/strict';
import { test } from 'node:test';
import { open } from 'node:fs/promises';
import { readLines } from './line-reader.ts';
import type { LineRequest, ReadLinesOptions } from './line-reader.ts';
import { createTempProject } from './temp-project.ts';

/** Opens the file, reads through the handle, closes it. */
async function readPath(file: string, request: LineRequest, options: ReadLinesOptions) {
  const handle = await open(file, 'r');
  try {
    return await readLines(handle, request, options);
  } finally {
    await handle.close();
  }
}

const numbered = (count: number) => Array.from({ length: count }, (_, i) => `line ${i + 1}\n`).join('');

test('lines are counted with or without a final newline; an empty file has none', async (t) => {
  const project = await createTempProject();
  t.after(project.cleanup);
  const read = async (content: string) => readPath(await project.write('f.txt', content), {}, { maxBytes: 1000 });
  assert.deepEqual(await read('a\nb\n'), { content: 'a\nb\n', startLine: 1, endLine: 2, totalLines: 2, truncated: false });
  assert.deepEqual(await read('a\nb'), { content: 'a\nb', startLine: 1, endLine: 2, totalLines: 2, truncated: false });
  assert.deepEqual(await read('\n'), { content: '\n', startLine: 1, endLine: 1, totalLines: 1, truncated: false });
  assert.deepEqual(await read(''), { content: '', startLine: 1, endLine: 0, totalLines: 0, truncated: false });
});

test('a range is sliced exactly across read chunks, line endings kept', async (t) => {
  const project = await createTempProject();
  t.after(project.cleanup);
  // ~150 KB: several 64 KiB chunks, so lines straddle chunk boundaries.
  const file = await project.write('big.txt', numbered(15000).replace('line 9000\n', 'line 9000\r\n'));
  assert.deepEqual(await readPath(file, { start: 8999, end: 9001 }, { maxBytes: 1000 }), {
    content: 'line 8999\nline 9000\r\nline 9001\n',
    startLine: 8999,
    endLine: 9001,
    totalLines: 15000,
    truncated: false,
  });
});

test('the byte cap keeps whole lines; a single line too long is cut on a character boundary', async (t) => {
  const project = await createTempProject();
  t.after(project.cleanup);
  const lines = await project.write('lines.txt', 'aaaa\n'.repeat(10));
  assert.deepEqual(await readPath(lines, { start: 2 }, { maxBytes: 12 }), {
    content: 'aaaa\naaaa\n',
    startLine: 2,
    endLine: 3,
    totalLines: 10,
    truncated: true,
  });
  const long = await project.write('long.txt', `${'é'.repeat(50)}\nnext\n`);
  assert.deepEqual(await readPath(long, {}, { maxBytes: 7 }), {
    content: 'ééé',
    startLine: 1,
    endLine: 1,
    totalLines: 2,
    truncated: true,
  });
});

test('past maxScanBytes, a finished range stops counting and reports totalLines null', async (t) => {
  const project = await createTempProject();
  t.after(project.cleanup);
  const file = await project.write('big.txt', numbered(30000));
  assert.deepEqual(await readPath(file, { start: 1, end: 2 }, { maxBytes: 1000, maxScanBytes: 64 * 1024 }), {
    content: 'line 1\nline 2\n',
    startLine: 1,
    endLine: 2,
    totalLines: null,
    truncated: false,
  });
});

test('a start past the last line or after the end is bad_request', async (t) => {
  const project = await createTempProject();
  t.after(project.cleanup);
  const file = await project.write('f.txt', 'a\nb\nc\n');
  await assert.rejects(readPath(file, { start: 4 }, { maxBytes: 100 }), {
    code: 'bad_request',
    message: 'Line 4 is beyond the end of the file (3 lines)',
  });
  await assert.rejects(readPath(file, { start: 3, end: 2 }, { maxBytes: 100 }), {
    code: 'bad_request',
    message: 'Line range start (3) is after its end (2)',
  });
  assert.deepEqual(await readPath(file, { start: 3, end: 50 }, { maxBytes: 100 }), {
    content: 'c\n',
    startLine: 3,
    endLine: 3,
    totalLines: 3,
    truncated: false,
  });
});

test('an aborted signal ends the read with the abort error', async (t) => {
  const project = await createTempProject();
  t.after(project.cleanup);
  const file = await project.write('f.txt', 'a\n');
  await assert.rejects(readPath(file, {}, { maxBytes: 100, signal: AbortSignal.abort() }), { name: 'AbortError' });
});
