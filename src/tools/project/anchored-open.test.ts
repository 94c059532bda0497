import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { defaultConfinement, openDirectoryBeneath, openFileInProject, openInProject } from './anchored-open.ts';
import type { Confinement } from './anchored-open.ts';
import { DescriptorLedger, openChildDirectorySync, openChildFileSync, readUpTo } from './anchored-walk.ts';
import { createTempProject } from './temp-project.ts';

const openDescriptors = () => readdirSync('/proc/self/fd').length;

test('on Linux the default confinement goes through descriptors', () => {
  assert.equal(defaultConfinement, process.platform === 'linux' ? 'descriptor' : 'path');
});

for (const confinement of ['descriptor', 'path'] as Confinement[]) {
  test(`${confinement}: a file opens for reading, a directory gives an anchor to list it through`, async (t) => {
    const project = await createTempProject({ 'src/a.ts': 'one\n', 'src/b.ts': 'two\n' });
    t.after(project.cleanup);
    const file = await openFileInProject(project.root, 'src/a.ts', confinement);
    assert.equal(file.size, 4);
    assert.equal((await file.handle.readFile('utf8')), 'one\n');
    await file.close();
    const directory = await openInProject(project.root, 'src', confinement);
    assert.equal(directory.kind, 'directory');
    if (directory.kind === 'directory') assert.deepEqual((await readdir(directory.anchor)).sort(), ['a.ts', 'b.ts']);
    await directory.close();
  });

  test(`${confinement}: escapes, FIFOs, loops and long names are ConfabErrors with stable codes`, async (t) => {
    const project = await createTempProject({ 'a.txt': 'a' });
    t.after(project.cleanup);
    await project.write('secret.txt', 'secret', 'outside');
    await symlink(path.join(project.outside, 'secret.txt'), path.join(project.root, 'out.txt'));
    await symlink(project.outside, path.join(project.root, 'out-dir'));
    await symlink('/proc/self/environ', path.join(project.root, 'environ'));
    await symlink('loop', path.join(project.root, 'loop'));
    execFileSync('mkfifo', [path.join(project.root, 'pipe')]);
    const before = openDescriptors();
    const outside = (name: string) => ({ code: 'bad_request', message: `Path leads outside the project (through a symbolic link): ${name}` });
    const open = (requested: string) => openInProject(project.root, requested, confinement);
    await assert.rejects(open('out.txt'), outside('out.txt'));
    await assert.rejects(open('out-dir'), outside('out-dir'));
    await assert.rejects(open('out-dir/secret.txt'), outside('out-dir/secret.txt'));
    await assert.rejects(open('environ'), outside('environ'));
    await assert.rejects(open('pipe'), { code: 'bad_request', message: 'pipe is not a regular file' });
    await assert.rejects(open('loop'), { code: 'bad_request', message: 'Too many symbolic links in path: loop' });
    await assert.rejects(open('a.txt/x'), { code: 'not_found', message: 'No such file or directory: a.txt/x' });
    await assert.rejects(open('n'.repeat(256)), { code: 'bad_request', message: 'Path has a name over 255 bytes' });
    await assert.rejects(openFileInProject(project.root, '.', confinement), { code: 'bad_request', message: '. is a directory, not a file' });
    assert.equal(openDescriptors(), before);
  });

  test(`${confinement}: a walk opens children without following links and only regular files`, async (t) => {
    const project = await createTempProject({ 'd/e/f.txt': 'deep\n', 'd/g.txt': 'g\n' });
    t.after(project.cleanup);
    await symlink(project.outside, path.join(project.root, 'd/link'));
    execFileSync('mkfifo', [path.join(project.root, 'd/pipe')]);
    const root = await openInProject(project.root, '.', confinement);
    t.after(root.close);
    assert.equal(root.kind, 'directory');
    if (root.kind !== 'directory') return;
    const below = await openDirectoryBeneath(root.anchor, ['d', 'e'], confinement);
    assert.deepEqual(await readdir(below!.anchor), ['f.txt']);
    await below!.close();
    assert.equal(await openDirectoryBeneath(root.anchor, ['d', 'link'], confinement), undefined);
    const ledger = new DescriptorLedger(DescriptorLedger.allocate(4));
    const d = openChildDirectorySync(root.anchor, 'd', confinement, ledger)!;
    assert.equal(openChildDirectorySync(d.anchor, 'link', confinement, ledger), undefined);
    assert.equal(openChildFileSync(d.anchor, 'link', confinement, ledger), undefined);
    assert.equal(openChildFileSync(d.anchor, 'pipe', confinement, ledger), undefined);
    const g = openChildFileSync(d.anchor, 'g.txt', confinement, ledger)!;
    assert.equal(readUpTo(g.fd, g.size).toString(), 'g\n');
    g.close();
    d.close();
    assert.equal(ledger.closeAll(), 0);
  });
}

test('the ledger refuses past its size and closes what was left in it', async (t) => {
  const project = await createTempProject({ 'a/b/c/d.txt': 'x' });
  t.after(project.cleanup);
  const before = openDescriptors();
  const ledger = new DescriptorLedger(DescriptorLedger.allocate(2));
  const a = openChildDirectorySync(project.root, 'a', 'descriptor', ledger)!;
  const b = openChildDirectorySync(a.anchor, 'b', 'descriptor', ledger)!;
  assert.equal(openChildDirectorySync(b.anchor, 'c', 'descriptor', ledger), undefined);
  assert.equal(openDescriptors(), before + 2);
  // As after a worker was killed mid-walk: nobody closed a or b.
  assert.equal(ledger.closeAll(), 2);
  assert.equal(openDescriptors(), before);
});
