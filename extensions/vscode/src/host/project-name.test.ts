import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isValidProjectName, projectForFolder, suggestProjectName } from './project-name.ts';

const project = (name: string, path: string) => ({ name, path, createdAt: 0 });

describe('project names', () => {
  test('a folder name becomes a valid project name', () => {
    assert.equal(suggestProjectName('my app (copy)', []), 'my-app-copy');
    assert.equal(suggestProjectName('日本語', []), 'project');
    assert.equal(suggestProjectName('x'.repeat(80), []).length, 64);
    for (const name of ['my app (copy)', '日本語', 'x'.repeat(80), '--a--']) assert.ok(isValidProjectName(suggestProjectName(name, [])), name);
  });

  test('a taken name gets the first free numeric suffix, still at most 64 characters', () => {
    assert.equal(suggestProjectName('app', ['app', 'app-2']), 'app-3');
    const long = 'y'.repeat(64);
    const next = suggestProjectName(long, [long]);
    assert.equal(next, `${'y'.repeat(62)}-2`);
    assert.ok(isValidProjectName(next));
  });

  test('the project of a folder is the one with its path (separators and a trailing slash ignored)', () => {
    const projects = [project('a', '/work/a'), project('b', '/work/b/')];
    assert.equal(projectForFolder(projects, ['/work/b'])?.name, 'b');
    assert.equal(projectForFolder(projects, ['/tmp/link', '/work/a'])?.name, 'a');
    assert.equal(projectForFolder(projects, ['/work/ab']), null);
    assert.equal(projectForFolder([project('w', 'C:\\w')], ['C:/w'])?.name, 'w');
  });
});
