import assert from 'node:assert/strict';
import { closeSync, constants, openSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { ToolRegistry } from '../tool-registry.ts';
import { createSearchTextTool } from './search-text-tool.ts';
import type { SearchTextOptions } from './search-text-tool.ts';
import { createTempProject, toolContext } from './temp-project.ts';

async function setup(files: Record<string, string | Uint8Array>, options?: SearchTextOptions) {
  const project = await createTempProject(files);
  const registry = new ToolRegistry().register(createSearchTextTool(options));
  const search = (input: unknown, signal?: AbortSignal) =>
    registry.execute({ toolName: 'search_text', input }, toolContext(project.root, signal));
  return { project, search };
}

const sample = {
  'README.md': 'FOO bar\n',
  'src/a.ts': 'const Foo = 1;\n  foo();\n',
  'src/b.ts': 'nothing here\n',
};

test('a literal search is case-insensitive by default, in path order, lines trimmed', async (t) => {
  const { project, search } = await setup(sample);
  t.after(project.cleanup);
  assert.deepEqual(await search({ query: 'foo' }), {
    output: {
      matches: [
        { path: 'README.md', line: 1, text: 'FOO bar' },
        { path: 'src/a.ts', line: 1, text: 'const Foo = 1;' },
        { path: 'src/a.ts', line: 2, text: 'foo();' },
      ],
      truncated: false,
    },
    isError: false,
  });
});

test('caseSensitive matches case exactly', async (t) => {
  const { project, search } = await setup(sample);
  t.after(project.cleanup);
  assert.deepEqual(await search({ query: 'foo', caseSensitive: true }), {
    output: { matches: [{ path: 'src/a.ts', line: 2, text: 'foo();' }], truncated: false },
    isError: false,
  });
});

test('a literal query treats regex characters literally', async (t) => {
  const { project, search } = await setup({ 'a.txt': 'axb(\na.b(\n' });
  t.after(project.cleanup);
  assert.deepEqual(await search({ query: 'a.b(' }), {
    output: { matches: [{ path: 'a.txt', line: 2, text: 'a.b(' }], truncated: false },
    isError: false,
  });
});

test('a regex query, limited to a subdirectory', async (t) => {
  const { project, search } = await setup(sample);
  t.after(project.cleanup);
  assert.deepEqual(await search({ query: '^\\s*foo\\(', regex: true, path: 'src' }), {
    output: { matches: [{ path: 'src/a.ts', line: 2, text: 'foo();' }], truncated: false },
    isError: false,
  });
  assert.deepEqual(await search({ query: 'nothing', path: 'src/b.ts' }), {
    output: { matches: [{ path: 'src/b.ts', line: 1, text: 'nothing here' }], truncated: false },
    isError: false,
  });
});

test('an invalid regex is a clear error result', async (t) => {
  const { project, search } = await setup(sample);
  t.after(project.cleanup);
  assert.deepEqual(await search({ query: 'foo(', regex: true }), {
    output: 'Invalid regular expression: /foo(/i: Unterminated group',
    isError: true,
  });
});

test('binary files, .git, node_modules, symlinks and files over the size cap are skipped', async (t) => {
  const { project, search } = await setup(
    {
      'a.txt': 'needle\n',
      'image.bin': new Uint8Array([...Buffer.from('needle\n'), 0, 1, 2]),
      '.git/config': 'needle\n',
      'node_modules/pkg/index.js': 'needle\n',
      'lib/node_modules/x.js': 'needle\n',
      'big.txt': `needle\n${'x'.repeat(200)}\n`,
    },
    { maxFileBytes: 100 },
  );
  t.after(project.cleanup);
  await project.write('secret.txt', 'needle\n', 'outside');
  await symlink(path.join(project.outside, 'secret.txt'), path.join(project.root, 'secret-link.txt'));
  await symlink(project.outside, path.join(project.root, 'outside-dir'));
  await symlink('a.txt', path.join(project.root, 'inner-link.txt'));
  assert.deepEqual(await search({ query: 'needle' }), {
    output: { matches: [{ path: 'a.txt', line: 1, text: 'needle' }], truncated: false },
    isError: false,
  });
});

test('maxResults caps the matches; truncated only when there were more', async (t) => {
  const { project, search } = await setup({ 'a.txt': 'hit 1\nhit 2\nmiss\nhit 3\n' });
  t.after(project.cleanup);
  assert.deepEqual(await search({ query: 'hit', maxResults: 2 }), {
    output: {
      matches: [
        { path: 'a.txt', line: 1, text: 'hit 1' },
        { path: 'a.txt', line: 2, text: 'hit 2' },
      ],
      truncated: true,
      reason: 'max-results',
    },
    isError: false,
  });
  const exact = await search({ query: 'hit', maxResults: 3 });
  assert.deepEqual(exact.output, {
    matches: [
      { path: 'a.txt', line: 1, text: 'hit 1' },
      { path: 'a.txt', line: 2, text: 'hit 2' },
      { path: 'a.txt', line: 4, text: 'hit 3' },
    ],
    truncated: false,
  });
  assert.deepEqual((await search({ query: 'hit', maxResults: 201 })).isError, true);
});

test('the scan byte limit stops the search with what it found', async (t) => {
  const { project, search } = await setup({ 'a.txt': 'hit a\n', 'b.txt': 'hit b\n', 'c.txt': 'hit c\n' }, { maxScanBytes: 12 });
  t.after(project.cleanup);
  assert.deepEqual(await search({ query: 'hit' }), {
    output: {
      matches: [
        { path: 'a.txt', line: 1, text: 'hit a' },
        { path: 'b.txt', line: 1, text: 'hit b' },
      ],
      truncated: true,
      reason: 'byte-limit',
    },
    isError: false,
  });
});

test('a long line is shown as a window around the match', async (t) => {
  const line = `${'a'.repeat(500)}NEEDLE${'b'.repeat(500)}`;
  const { project, search } = await setup({ 'min.js': `${line}\n` });
  t.after(project.cleanup);
  assert.deepEqual(await search({ query: 'needle' }), {
    output: {
      matches: [{ path: 'min.js', line: 1, text: `…${'a'.repeat(100)}NEEDLE${'b'.repeat(194)}…` }],
      truncated: false,
    },
    isError: false,
  });
});

test('a catastrophic regex is stopped at the time limit, keeping earlier matches', async (t) => {
  const { project, search } = await setup(
    { 'a.txt': 'aaaa\n', 'b.txt': `${'a'.repeat(40)}b\n` },
    { timeLimitMs: 200 },
  );
  t.after(project.cleanup);
  const started = Date.now();
  assert.deepEqual(await search({ query: '^(a+)+$', regex: true }), {
    output: { matches: [{ path: 'a.txt', line: 1, text: 'aaaa' }], truncated: true, reason: 'time-limit' },
    isError: false,
  });
  // The pattern backtracks catastrophically: without the limit it would not end at all.
  assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
});

test('aborting the run stops a running search with the abort reason', async (t) => {
  const { project, search } = await setup({ 'b.txt': `${'a'.repeat(40)}b\n` }, { timeLimitMs: 60_000 });
  t.after(project.cleanup);
  const controller = new AbortController();
  const reason = new Error('stopped by user');
  setTimeout(() => controller.abort(reason), 200);
  const started = Date.now();
  await assert.rejects(search({ query: '^(a+)+$', regex: true }, controller.signal), (error) => error === reason);
  // The pattern backtracks catastrophically: without the limit it would not end at all.
  assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
});

test('a path outside the project is an error result', async (t) => {
  const { project, search } = await setup(sample);
  t.after(project.cleanup);
  assert.deepEqual(await search({ query: 'x', path: '../outside' }), {
    output: 'Path must not contain "..": ../outside',
    isError: true,
  });
});

test('a FIFO is refused, never opened, and leaves no worker thread behind', async (t) => {
  const { project, search } = await setup({ 'a.txt': 'x marks\n' }, { timeLimitMs: 300 });
  const pipe = path.join(project.root, 'pipe');
  execFileSync('mkfifo', [pipe]);
  t.after(async () => {
    // Frees a reader stuck opening the FIFO (the old behaviour), so the process can exit.
    try {
      closeSync(openSync(pipe, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {}
    await project.cleanup();
  });
  const threads = () => readdirSync('/proc/self/task').length;
  const before = threads();
  assert.deepEqual(await search({ query: 'x', path: 'pipe' }), { output: 'pipe is not a regular file', isError: true });
  assert.deepEqual(await search({ query: 'x' }), {
    output: { matches: [{ path: 'a.txt', line: 1, text: 'x marks' }], truncated: false },
    isError: false,
  });
  // Worker threads end a moment after their search settles; a stranded one never does.
  for (let waited = 0; threads() > before && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(threads(), before);
});

test('a search killed mid-walk leaves no descriptor open once its worker is gone', async (t) => {
  const { project, search } = await setup({ 'a/b/c/d.txt': `${'a'.repeat(40)}b\n` }, { timeLimitMs: 200 });
  t.after(project.cleanup);
  const descriptors = () => readdirSync('/proc/self/fd').length;
  const before = descriptors();
  assert.deepEqual(await search({ query: '^(a+)+$', regex: true }), {
    output: { matches: [], truncated: true, reason: 'time-limit' },
    isError: false,
  });
  // Killed inside the regex, three directories deep: the walk held a descriptor per level.
  for (let waited = 0; descriptors() > before && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(descriptors(), before);
});

test('a slot is held until the worker exits; a search that cannot get one in time is a busy error', async (t) => {
  const { project, search } = await setup(
    { 'b.txt': `${'a'.repeat(40)}b\n` },
    { timeLimitMs: 60_000, maxConcurrentSearches: 1, maxSlotWaitMs: 100 },
  );
  t.after(project.cleanup);
  const controller = new AbortController();
  const stuck = search({ query: '^(a+)+$', regex: true }, controller.signal);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(await search({ query: 'b' }), {
    output: 'search_text is busy: all 1 search slots are still in use after 100 ms; try again later',
    isError: true,
  });
  controller.abort(new Error('stop'));
  await assert.rejects(stuck, { message: 'stop' });
  // The aborted worker is terminated; once it has exited its slot serves the next search.
  let next = await search({ query: 'b' });
  for (let tries = 0; next.isError && tries < 100; tries++) next = await search({ query: 'b' });
  assert.deepEqual(next, { output: { matches: [{ path: 'b.txt', line: 1, text: `${'a'.repeat(40)}b` }], truncated: false }, isError: false });
});
