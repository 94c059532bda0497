import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { ToolRegistry } from '../tool-registry.ts';
import { createReadFileTool } from './read-file-tool.ts';
import type { ReadFileOptions } from './read-file-tool.ts';
import { createTempProject, toolContext } from './temp-project.ts';

async function setup(files: Record<string, string | Uint8Array>, options?: ReadFileOptions) {
  const project = await createTempProject(files);
  const registry = new ToolRegistry().register(createReadFileTool(options));
  const read = (input: unknown) => registry.execute({ toolName: 'read_file', input }, toolContext(project.root));
  return { project, read };
}

test('reads a whole small file exactly', async (t) => {
  const { project, read } = await setup({ 'src/a.ts': 'one\ntwo\nthree\n' });
  t.after(project.cleanup);
  assert.deepEqual(await read({ path: './src/a.ts' }), {
    output: { path: 'src/a.ts', content: 'one\ntwo\nthree\n', startLine: 1, endLine: 3, totalLines: 3, truncated: false },
    isError: false,
  });
});

test('reads a line range; an end past the last line is clamped', async (t) => {
  const { project, read } = await setup({ 'a.txt': 'one\ntwo\nthree' });
  t.after(project.cleanup);
  assert.deepEqual(await read({ path: 'a.txt', startLine: 2, endLine: 2 }), {
    output: { path: 'a.txt', content: 'two\n', startLine: 2, endLine: 2, totalLines: 3, truncated: false },
    isError: false,
  });
  assert.deepEqual(await read({ path: 'a.txt', startLine: 2, endLine: 99 }), {
    output: { path: 'a.txt', content: 'two\nthree', startLine: 2, endLine: 3, totalLines: 3, truncated: false },
    isError: false,
  });
  assert.deepEqual(await read({ path: 'a.txt', endLine: 1 }), {
    output: { path: 'a.txt', content: 'one\n', startLine: 1, endLine: 1, totalLines: 3, truncated: false },
    isError: false,
  });
});

test('a start past the end, or after endLine, is an error result', async (t) => {
  const { project, read } = await setup({ 'a.txt': 'one\ntwo\nthree\n' });
  t.after(project.cleanup);
  assert.deepEqual(await read({ path: 'a.txt', startLine: 4 }), {
    output: 'Line 4 is beyond the end of the file (3 lines)',
    isError: true,
  });
  assert.deepEqual(await read({ path: 'a.txt', startLine: 3, endLine: 2 }), {
    output: 'Invalid input for tool "read_file":\n✖ startLine must not be after endLine\n  → at endLine',
    isError: true,
  });
});

test('a file over the size cap is refused without a range and read by lines with one', async (t) => {
  const content = Array.from({ length: 40 }, (_, i) => `row ${i + 1}\n`).join('');
  const { project, read } = await setup({ 'big.log': content }, { maxFileBytes: 100 });
  t.after(project.cleanup);
  assert.deepEqual(await read({ path: 'big.log' }), {
    output: `big.log is ${content.length} bytes, over the 100 bytes limit: read it in parts with startLine and endLine`,
    isError: true,
  });
  assert.deepEqual(await read({ path: 'big.log', startLine: 39 }), {
    output: { path: 'big.log', content: 'row 39\nrow 40\n', startLine: 39, endLine: 40, totalLines: 40, truncated: false },
    isError: false,
  });
});

test('content over the cap is cut at a line boundary with truncated', async (t) => {
  const { project, read } = await setup({ 'a.txt': 'aaaa\nbbbb\ncccc\n' }, { maxContentBytes: 12 });
  t.after(project.cleanup);
  assert.deepEqual(await read({ path: 'a.txt' }), {
    output: { path: 'a.txt', content: 'aaaa\nbbbb\n', startLine: 1, endLine: 2, totalLines: 3, truncated: true },
    isError: false,
  });
});

test('a binary file is reported, not dumped', async (t) => {
  const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02, 0x0a]);
  const { project, read } = await setup({ 'logo.png': bytes });
  t.after(project.cleanup);
  assert.deepEqual(await read({ path: 'logo.png', startLine: 1 }), {
    output: { path: 'logo.png', binary: true, size: 8 },
    isError: false,
  });
});

test('directories, missing files and escapes are error results', async (t) => {
  const { project, read } = await setup({ 'src/a.ts': 'a' });
  t.after(project.cleanup);
  assert.deepEqual(await read({ path: 'src' }), { output: 'src is a directory, not a file', isError: true });
  assert.deepEqual(await read({ path: 'src/b.ts' }), { output: 'No such file or directory: src/b.ts', isError: true });
  assert.deepEqual(await read({ path: '/etc/passwd' }), {
    output: 'Path must be relative to the project root: /etc/passwd',
    isError: true,
  });
});

test('over-long paths and a FIFO are error results, the FIFO never opened for reading', async (t) => {
  const { project, read } = await setup({ 'a.txt': 'a' });
  t.after(project.cleanup);
  execFileSync('mkfifo', [path.join(project.root, 'pipe')]);
  assert.deepEqual(await read({ path: `${'a'.repeat(256)}.txt` }), { output: 'Path has a name over 255 bytes', isError: true });
  assert.deepEqual(await read({ path: 'a/'.repeat(2048) }), { output: 'Path is 4096 bytes long; the limit is 4095', isError: true });
  assert.deepEqual(await read({ path: 'pipe' }), { output: 'pipe is not a regular file', isError: true });
});
