import assert from 'node:assert/strict';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { isWithin, resolveInProject, toProjectPath } from './confine-path.ts';
import { createTempProject } from './temp-project.ts';

const refused = (message: string) => ({ name: 'ConfabError', code: 'bad_request', message });

test('a plain relative path resolves to its real path inside the project', async (t) => {
  const project = await createTempProject({ 'src/a.ts': 'a' });
  t.after(project.cleanup);
  assert.equal(await resolveInProject(project.root, 'src/a.ts'), path.join(project.root, 'src/a.ts'));
  assert.equal(await resolveInProject(project.root, './src//a.ts'), path.join(project.root, 'src/a.ts'));
});

test('the project root itself is allowed as "." or ""', async (t) => {
  const project = await createTempProject();
  t.after(project.cleanup);
  assert.equal(await resolveInProject(project.root, '.'), project.root);
  assert.equal(await resolveInProject(project.root, ''), project.root);
});

test('any ".." segment is refused, even one that would stay inside', async (t) => {
  const project = await createTempProject({ 'a/x': '1', b: '2' });
  t.after(project.cleanup);
  await assert.rejects(resolveInProject(project.root, '../x'), refused('Path must not contain "..": ../x'));
  await assert.rejects(resolveInProject(project.root, 'a/../../x'), refused('Path must not contain "..": a/../../x'));
  await assert.rejects(resolveInProject(project.root, 'a/../b'), refused('Path must not contain "..": a/../b'));
  await assert.rejects(resolveInProject(project.root, '..'), refused('Path must not contain "..": ..'));
  await assert.rejects(resolveInProject(project.root, 'a\\..\\..\\x'), refused('Path must not contain "..": a\\..\\..\\x'));
});

test('an absolute path is refused, even one inside the project', async (t) => {
  const project = await createTempProject({ 'a.txt': 'a' });
  t.after(project.cleanup);
  await assert.rejects(resolveInProject(project.root, '/etc/passwd'), refused('Path must be relative to the project root: /etc/passwd'));
  const inside = path.join(project.root, 'a.txt');
  await assert.rejects(resolveInProject(project.root, inside), refused(`Path must be relative to the project root: ${inside}`));
});

test('a NUL byte is refused', async (t) => {
  const project = await createTempProject({ 'a.txt': 'a' });
  t.after(project.cleanup);
  await assert.rejects(resolveInProject(project.root, 'a.txt\0.png'), refused('Path must not contain NUL bytes'));
});

test('a symlink to a file outside the project is refused', async (t) => {
  const project = await createTempProject();
  t.after(project.cleanup);
  const secret = await project.write('secret.txt', 'secret', 'outside');
  await symlink(secret, path.join(project.root, 'link.txt'));
  await assert.rejects(
    resolveInProject(project.root, 'link.txt'),
    refused('Path leads outside the project (through a symbolic link): link.txt'),
  );
});

test('a file below a symlinked directory outside the project is refused, existing or not', async (t) => {
  const project = await createTempProject();
  t.after(project.cleanup);
  await project.write('docs/secret.txt', 'secret', 'outside');
  await symlink(path.join(project.outside, 'docs'), path.join(project.root, 'docs'));
  await assert.rejects(
    resolveInProject(project.root, 'docs/secret.txt'),
    refused('Path leads outside the project (through a symbolic link): docs/secret.txt'),
  );
  await assert.rejects(resolveInProject(project.root, 'docs'), refused('Path leads outside the project (through a symbolic link): docs'));
  // Missing files behind the link are refused too: whether they exist outside is none of the caller's business.
  await assert.rejects(
    resolveInProject(project.root, 'docs/missing/deeper.txt'),
    refused('Path leads outside the project (through a symbolic link): docs/missing/deeper.txt'),
  );
});

test('a symlink that stays inside the project is allowed and resolves to its target', async (t) => {
  const project = await createTempProject({ 'src/real.ts': 'x' });
  t.after(project.cleanup);
  await symlink('src/real.ts', path.join(project.root, 'alias.ts'));
  await symlink('src', path.join(project.root, 'source'));
  assert.equal(await resolveInProject(project.root, 'alias.ts'), path.join(project.root, 'src/real.ts'));
  assert.equal(await resolveInProject(project.root, 'source/real.ts'), path.join(project.root, 'src/real.ts'));
});

test('a project root reached through a symlink works: paths are compared after realpath', async (t) => {
  const project = await createTempProject({ 'a.txt': 'a' });
  t.after(project.cleanup);
  const linkedRoot = path.join(project.outside, 'linked-root');
  await symlink(project.root, linkedRoot);
  assert.equal(await resolveInProject(linkedRoot, 'a.txt'), path.join(project.root, 'a.txt'));
});

test('a missing path is not_found', async (t) => {
  const project = await createTempProject({ 'src/a.ts': 'a' });
  t.after(project.cleanup);
  const notFound = (name: string) => ({ name: 'ConfabError', code: 'not_found', message: `No such file or directory: ${name}` });
  await assert.rejects(resolveInProject(project.root, 'src/b.ts'), notFound('src/b.ts'));
  await assert.rejects(resolveInProject(project.root, 'nope/deeper/c.ts'), notFound('nope/deeper/c.ts'));
  await assert.rejects(resolveInProject(project.root, 'src/a.ts/child'), notFound('src/a.ts/child'));
});

test('a symlink loop is refused', async (t) => {
  const project = await createTempProject();
  t.after(project.cleanup);
  await symlink('loop-b', path.join(project.root, 'loop-a'));
  await symlink('loop-a', path.join(project.root, 'loop-b'));
  await assert.rejects(resolveInProject(project.root, 'loop-a'), refused('Too many symbolic links in path: loop-a'));
});

test('a sibling directory sharing the root as a name prefix is outside', async (t) => {
  const project = await createTempProject();
  t.after(project.cleanup);
  await mkdir(project.root + '-evil');
  assert.equal(isWithin(project.root, project.root + '-evil'), false);
  assert.equal(isWithin(project.root, path.join(project.root, 'a')), true);
  assert.equal(isWithin('/', '/etc'), true);
});

test('toProjectPath normalizes what is shown back', () => {
  assert.equal(toProjectPath('./src//a.ts'), 'src/a.ts');
  assert.equal(toProjectPath('src/'), 'src');
  assert.equal(toProjectPath(''), '.');
  assert.equal(toProjectPath('./'), '.');
});
