import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeContext, parseContextSpec, projectRelativePath } from './context-spec.ts';

test('parseContextSpec reads PATH, PATH:LINE and PATH:START-END, and refuses backwards ranges', () => {
  assert.deepEqual(parseContextSpec('src/a.ts'), { path: 'src/a.ts' });
  assert.deepEqual(parseContextSpec('src/a.ts:7'), { path: 'src/a.ts', range: { start: 7, end: 7 } });
  assert.deepEqual(parseContextSpec(' src/a.ts:3-9 '), { path: 'src/a.ts', range: { start: 3, end: 9 } });
  assert.deepEqual(parseContextSpec('notes:draft.md'), { path: 'notes:draft.md' });
  assert.throws(() => parseContextSpec('a.ts:9-3'), /must start at 1 or later and not end before it starts/);
  assert.throws(() => parseContextSpec('a.ts:0-3'), RangeError);
  assert.equal(describeContext({ path: 'a.ts', range: { start: 3, end: 9 } }), 'a.ts:3-9');
});

test('projectRelativePath maps existing files inside the project to project paths and leaves the rest as typed', async () => {
  const root = await mkdtemp(join(tmpdir(), 'confab-context-'));
  try {
    await mkdir(join(root, 'src'));
    await writeFile(join(root, 'src', 'a.ts'), 'x');
    assert.equal(projectRelativePath('a.ts', join(root, 'src'), root), 'src/a.ts');
    assert.equal(projectRelativePath(join(root, 'src', 'a.ts'), '/', root), 'src/a.ts');
    assert.equal(projectRelativePath('src/a.ts', tmpdir(), root), 'src/a.ts', 'not found from cwd: as typed, for the server to resolve');
    assert.equal(projectRelativePath('../etc/passwd', root, root), '../etc/passwd');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
