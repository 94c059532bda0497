import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enclosingProject } from './project-choice.ts';

const project = (name: string, path: string) => ({ name, path, createdAt: 0 });

test('enclosingProject: the deepest project holding the directory, on whole path components', () => {
  const projects = [project('root', '/'), project('app', '/code/app'), project('web', '/code/app/web')];
  assert.equal(enclosingProject(projects, '/code/app')?.name, 'app');
  assert.equal(enclosingProject(projects, '/code/app/src/x')?.name, 'app');
  assert.equal(enclosingProject(projects, '/code/app/web/src')?.name, 'web');
  assert.equal(enclosingProject(projects, '/code/app-old')?.name, 'root', '/code/app does not hold /code/app-old');
  assert.equal(enclosingProject(projects.slice(1), '/code/app-old'), undefined);
  assert.equal(enclosingProject(projects.slice(1), '/code'), undefined);
});
