import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSymlinkSwapper } from './symlink-swapper.ts';
import { createTempProject } from './temp-project.ts';
import { searchFiles } from './text-search.ts';
import type { SearchRequest } from './text-search.ts';
import { defaultConfinement, openInProject } from './anchored-open.ts';

test('the walk never descends into a directory swapped for a symlink to one outside the project', async (t) => {
  const project = await createTempProject();
  const swapper = await startSymlinkSwapper({
    root: project.root,
    outside: project.outside,
    insideContent: 'inside\n',
    outsideContent: 'OUTSIDE-SECRET\n',
    maxMs: 30_000,
  });
  t.after(async () => {
    await swapper.stop();
    await project.cleanup();
  });
  // Files the walk searches before it reaches `swapped`: time for a swap after the listing said "directory".
  for (let index = 0; index < 8; index++) await project.write(`a-${index}.txt`, 'filler\n');
  const root = await openInProject(project.root, '.');
  t.after(root.close);
  assert.equal(root.kind, 'directory');
  const request: SearchRequest = {
    start: { kind: 'directory', anchor: root.kind === 'directory' ? root.anchor : '' },
    confinement: defaultConfinement,
    displayStart: '.',
    pattern: 'OUTSIDE',
    flags: '',
    maxResults: 10,
    maxFileBytes: 1024,
    maxScanBytes: 1024 * 1024,
    timeLimitMs: 5000,
  };
  let searches = 0;
  let escaped = 0;
  const until = Date.now() + 1500;
  while (Date.now() < until) {
    searches++;
    searchFiles(request, () => escaped++);
    // Let the swapper's process run; this one is synchronous.
    if (searches % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(escaped, 0, `${escaped} of ${searches} searches found the outside file`);
});
