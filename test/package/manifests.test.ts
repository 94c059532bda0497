/**
 * The two published manifests (confab-server: package.json, confab-client: packages/client/package.json)
 * agree where they must: one version, one zod range, and entry points where the builds put them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

type Manifest = {
  name: string;
  version: string;
  engines: { node: string };
  dependencies: Record<string, string>;
  exports: Record<string, { types: string; default: string } | string>;
  bin?: Record<string, string>;
  files: string[];
  scripts: Record<string, string>;
};

const read = (path: string) => JSON.parse(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')) as Manifest;
const server = read('package.json');
const client = read('packages/client/package.json');

test('confab-client has the version and the zod range of confab-server', () => {
  assert.equal(client.version, server.version);
  assert.deepEqual(client.dependencies, { zod: server.dependencies.zod });
});

test('the published entry points are compiled files, and packing builds them first', () => {
  assert.deepEqual(server.exports['./client'], { types: './dist/client/index.d.ts', default: './dist/client/index.js' });
  assert.deepEqual(client.exports['.'], { types: './dist/client/index.d.ts', default: './dist/client/index.js' });
  assert.deepEqual(server.bin, { confab: './bin/confab.js' });
  assert.deepEqual(server.files, ['bin/', 'dist/', 'web/dist/', 'docs/']);
  assert.deepEqual(client.files, ['dist/']);
  assert.equal(server.scripts.prepack, 'npm run build');
  assert.equal(client.scripts.prepack, 'node ../../scripts/build.ts client');
});

test('no install-time script: a tarball install would ask to allow it, and could not run it', () => {
  for (const manifest of [server, client]) {
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) assert.equal(manifest.scripts[script], undefined, `${manifest.name} has ${script}`);
  }
});

test('the client promises Node 20, the server Node 24', () => {
  assert.equal(client.engines.node, '>=20');
  assert.equal(server.engines.node, '>=24');
});
