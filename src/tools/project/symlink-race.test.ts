import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveContext } from '../context.ts';
import { ToolRegistry } from '../tool-registry.ts';
import { createProjectTools } from './project-tools.ts';
import { startSymlinkSwapper } from './symlink-swapper.ts';
import { createTempProject, toolContext } from './temp-project.ts';

// Another process swaps `swapped/` between a real directory and a symlink to one outside the
// project while the tools read through it. Before reads went through the descriptor that was
// checked, read_file returned the outside file about once in seven tries.
const outsideContent = 'OUTSIDE-SECRET\n';
const budgetMs = 1000;

async function underSwaps(t: { after(fn: () => Promise<void>): void }) {
  const project = await createTempProject();
  const swapper = await startSymlinkSwapper({
    root: project.root,
    outside: project.outside,
    insideContent: 'inside\n',
    outsideContent,
    maxMs: 30_000,
  });
  t.after(async () => {
    await swapper.stop();
    await project.cleanup();
  });
  const registry = new ToolRegistry();
  for (const tool of createProjectTools()) registry.register(tool);
  const call = (toolName: string, input: unknown) => registry.execute({ toolName, input }, toolContext(project.root));
  return { project, swapper, call };
}

type Outcome = 'read' | 'escaped' | 'refused' | 'raw';

/** Calls `attempt` from four loops at once until the budget is spent; counts the outcomes. */
async function hammer(attempt: () => Promise<Outcome>, budget = budgetMs) {
  const counts = { read: 0, escaped: 0, refused: 0, raw: 0 };
  const until = Date.now() + budget;
  const loop = async () => {
    while (Date.now() < until) counts[await attempt()]++;
  };
  await Promise.all([loop(), loop(), loop(), loop()]);
  return counts;
}

test('read_file never returns a file outside the project while a directory is swapped for a symlink', async (t) => {
  const { swapper, call } = await underSwaps(t);
  const counts = await hammer(async () => {
    const result = await call('read_file', { path: swapper.target });
    if (result.isError) return 'refused';
    return (result.output as { content: string }).content === outsideContent ? 'escaped' : 'read';
  });
  assert.equal(counts.escaped, 0, JSON.stringify(counts));
  assert.ok(counts.read > 0, `no read succeeded at all: ${JSON.stringify(counts)}`);
});

test('context attachments never return a file outside the project under the same swaps', async (t) => {
  const { project, swapper } = await underSwaps(t);
  const counts = await hammer(async () => {
    try {
      const [part] = await resolveContext(project.root, [{ path: swapper.target }], { newId: () => 'part_1' });
      return part.content === outsideContent ? 'escaped' : 'read';
    } catch (error) {
      // Anything but a ConfabError would reach the client as `500 internal`.
      return (error as { name?: string }).name === 'ConfabError' ? 'refused' : 'raw';
    }
  });
  assert.equal(counts.escaped, 0, JSON.stringify(counts));
  assert.equal(counts.raw, 0, JSON.stringify(counts));
  assert.ok(counts.read > 0, `no read succeeded at all: ${JSON.stringify(counts)}`);
});

test('list_files never lists the outside directory under the same swaps', async (t) => {
  const { project, call } = await underSwaps(t);
  await project.write('swapped/outside-only.txt', outsideContent, 'outside');
  const listed = await hammer(async () => {
    const result = await call('list_files', { path: 'swapped' });
    if (result.isError) return 'refused';
    const paths = (result.output as { entries: { path: string }[] }).entries.map((entry) => entry.path);
    return paths.includes('swapped/outside-only.txt') ? 'escaped' : 'read';
  });
  assert.equal(listed.escaped, 0, JSON.stringify(listed));
});

test('search_text never searches the outside directory under the same swaps', async (t) => {
  const { project, call } = await underSwaps(t);
  // Files the walk from the root searches before it reaches `swapped`: time for a swap after the
  // listing said "directory".
  for (let index = 0; index < 8; index++) await project.write(`a-${index}.txt`, 'filler\n');
  let attempt = 0;
  const searched = await hammer(async () => {
    // From the root, the walk meets `swapped` as a directory (maybe) and descends.
    const path = attempt++ % 2 === 0 ? '.' : 'swapped';
    const result = await call('search_text', { query: 'OUTSIDE', path });
    if (result.isError) return 'refused';
    return (result.output as { matches: unknown[] }).matches.length > 0 ? 'escaped' : 'read';
    // A search starts a worker thread, so it makes fewer attempts per second than the others.
  }, 3 * budgetMs);
  assert.equal(searched.escaped, 0, JSON.stringify(searched));
});
