/**
 * `npm run build`: what the published packages ship, built from src/ (development runs src/ directly).
 *
 *   node scripts/build.ts          confab-server: src/ → dist/ (JavaScript + .d.ts, no tests), then web/dist
 *   node scripts/build.ts client   confab-client: the SDK's import graph → packages/client/dist
 *
 * Each output folder is emptied first, so a deleted source file never lingers in a package.
 * `npm pack` runs this through `prepack` in both packages.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    process.stderr.write(`build: ${command} ${args.join(' ')} failed (${result.status ?? result.signal})\n`);
    process.exit(1);
  }
}

const target = process.argv[2] ?? 'server';
if (target === 'server') {
  rmSync(`${root}dist`, { recursive: true, force: true });
  run(process.execPath, [tsc, '-p', 'tsconfig.build.json']);
  run('npm', ['run', 'build:web']);
} else if (target === 'client') {
  rmSync(`${root}packages/client/dist`, { recursive: true, force: true });
  run(process.execPath, [tsc, '-p', 'packages/client/tsconfig.json']);
} else {
  process.stderr.write(`build: unknown target "${target}" (server or client)\n`);
  process.exit(2);
}
