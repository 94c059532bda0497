import assert from 'node:assert/strict';
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { ToolRegistry } from '../tool-registry.ts';
import { createListFilesTool } from './list-files-tool.ts';
import { createTempProject, toolContext } from './temp-project.ts';

async function fixture() {
  const project = await createTempProject({
    'README.md': 'hello\n',
    'src/a.ts': 'export {};\n',
    'src/lib/b.ts': 'b',
    'src/lib/deep/c.ts': 'c',
    '.git/HEAD': 'ref: refs/heads/main\n',
    'node_modules/pkg/index.js': '',
  });
  await symlink('src', path.join(project.root, 'link'));
  return project;
}

test('depth 1 lists direct children; .git and node_modules are listed, symlinks not followed', async (t) => {
  const project = await fixture();
  t.after(project.cleanup);
  const tool = createListFilesTool();
  assert.deepEqual(await tool.execute({ path: '.', depth: 1 }, toolContext(project.root)), {
    path: '.',
    entries: [
      { path: '.git', type: 'dir' },
      { path: 'README.md', type: 'file', size: 6 },
      { path: 'link', type: 'symlink' },
      { path: 'node_modules', type: 'dir' },
      { path: 'src', type: 'dir' },
    ],
    truncated: false,
  });
});

test('the default depth 2 descends one level, never into .git or node_modules, in tree order', async (t) => {
  const project = await fixture();
  t.after(project.cleanup);
  const registry = new ToolRegistry().register(createListFilesTool());
  const result = await registry.execute({ toolName: 'list_files', input: {} }, toolContext(project.root));
  assert.deepEqual(result, {
    output: {
      path: '.',
      entries: [
        { path: '.git', type: 'dir' },
        { path: 'README.md', type: 'file', size: 6 },
        { path: 'link', type: 'symlink' },
        { path: 'node_modules', type: 'dir' },
        { path: 'src', type: 'dir' },
        { path: 'src/a.ts', type: 'file', size: 11 },
        { path: 'src/lib', type: 'dir' },
      ],
      truncated: false,
    },
    isError: false,
  });
});

test('a subdirectory is listed with project-relative paths', async (t) => {
  const project = await fixture();
  t.after(project.cleanup);
  const tool = createListFilesTool();
  assert.deepEqual(await tool.execute({ path: 'src/', depth: 3 }, toolContext(project.root)), {
    path: 'src',
    entries: [
      { path: 'src/a.ts', type: 'file', size: 11 },
      { path: 'src/lib', type: 'dir' },
      { path: 'src/lib/b.ts', type: 'file', size: 1 },
      { path: 'src/lib/deep', type: 'dir' },
      { path: 'src/lib/deep/c.ts', type: 'file', size: 1 },
    ],
    truncated: false,
  });
});

test('the entry cap keeps the top of the tree and says truncated', async (t) => {
  const project = await fixture();
  t.after(project.cleanup);
  const tool = createListFilesTool({ maxEntries: 3 });
  assert.deepEqual(await tool.execute({ path: '.', depth: 5 }, toolContext(project.root)), {
    path: '.',
    entries: [
      { path: '.git', type: 'dir' },
      { path: 'README.md', type: 'file', size: 6 },
      { path: 'link', type: 'symlink' },
    ],
    truncated: true,
  });
});

test('depth outside 1..5 is an input error; the tool is not run', async (t) => {
  const project = await fixture();
  t.after(project.cleanup);
  const registry = new ToolRegistry().register(createListFilesTool());
  assert.deepEqual(await registry.execute({ toolName: 'list_files', input: { depth: 6 } }, toolContext(project.root)), {
    output: 'Invalid input for tool "list_files":\n✖ Too big: expected number to be <=5\n  → at depth',
    isError: true,
  });
});

test('a file, an escape and a symlinked directory outside are error results', async (t) => {
  const project = await fixture();
  t.after(project.cleanup);
  await symlink(project.outside, path.join(project.root, 'elsewhere'));
  const registry = new ToolRegistry().register(createListFilesTool());
  const run = (input: unknown) => registry.execute({ toolName: 'list_files', input }, toolContext(project.root));
  assert.deepEqual(await run({ path: 'README.md' }), {
    output: 'README.md is a file, not a directory; use read_file to read it',
    isError: true,
  });
  assert.deepEqual(await run({ path: '../' }), { output: 'Path must not contain "..": ../', isError: true });
  assert.deepEqual(await run({ path: 'elsewhere' }), {
    output: 'Path leads outside the project (through a symbolic link): elsewhere',
    isError: true,
  });
});

test('an aborted signal stops the listing with the abort reason', async (t) => {
  const project = await fixture();
  t.after(project.cleanup);
  const reason = new Error('stop');
  await assert.rejects(
    createListFilesTool().execute({ path: '.', depth: 2 }, toolContext(project.root, AbortSignal.abort(reason))),
    (error) => error === reason,
  );
});
