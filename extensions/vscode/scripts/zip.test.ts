import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { packVsix } from './vsix.ts';
import { createZip } from './zip.ts';

// Read back by an independent implementation: Python's zipfile (checks every CRC and size).
const python = spawnSync('python3', ['-c', 'import zipfile'], { encoding: 'utf8' }).status === 0 ? 'python3' : null;
const readBack = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive:
    assert archive.testzip() is None
    print(json.dumps({info.filename: archive.read(info.filename).decode('utf-8') for info in archive.infolist()}))
`;

async function unzip(bytes: Buffer): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'confab-zip-'));
  try {
    await writeFile(join(dir, 'a.zip'), bytes);
    const result = spawnSync(python!, ['-c', readBack, join(dir, 'a.zip')], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('zip writer', { skip: python ? false : 'python3 is not installed (it reads the archive back)' }, () => {
  test('entries come back byte for byte, names in UTF-8, empty files included', async () => {
    const files = { 'a.txt': 'hello\n', 'dir/ünï.json': '{"x":1}', 'empty': '', 'big.txt': 'abc'.repeat(100_000) };
    const zip = createZip(Object.entries(files).map(([name, text]) => ({ name, data: Buffer.from(text) })));
    assert.deepEqual(await unzip(zip), files);
  });

  test('the same input gives the same bytes', () => {
    const entries = [{ name: 'a', data: Buffer.from('x') }];
    assert.deepEqual(createZip(entries), createZip(entries));
  });

  test('a duplicate name is refused', () => {
    assert.throws(() => createZip([{ name: 'a', data: Buffer.from('') }, { name: 'a', data: Buffer.from('') }]), /duplicate entry a/);
  });

  test('a .vsix has the VSIX manifest, the content types and the extension under extension/', async () => {
    const manifest = { name: 'confab-vscode', publisher: 'confab', version: '1.2.3', displayName: 'Confab & co', engines: { vscode: '^1.90.0' } };
    const vsix = packVsix(manifest, [
      { name: 'package.json', data: Buffer.from('{}') },
      { name: 'README.md', data: Buffer.from('# r') },
      { name: 'dist/extension.cjs', data: Buffer.from('exports.activate = () => {}') },
    ]);
    const files = await unzip(vsix);
    assert.deepEqual(Object.keys(files), ['extension.vsixmanifest', '[Content_Types].xml', 'extension/package.json', 'extension/README.md', 'extension/dist/extension.cjs']);
    assert.match(files['extension.vsixmanifest'], /<Identity Language="en-US" Id="confab-vscode" Version="1.2.3" Publisher="confab" \/>/);
    assert.match(files['extension.vsixmanifest'], /<DisplayName>Confab &#38; co<\/DisplayName>/);
    assert.match(files['extension.vsixmanifest'], /Id="Microsoft.VisualStudio.Code.Engine" Value="\^1.90.0"/);
    assert.match(files['[Content_Types].xml'], /<Default Extension=".cjs" ContentType="application\/javascript" \/>/);
  });
});
