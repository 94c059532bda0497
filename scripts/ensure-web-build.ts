/**
 * `npm start` runs this first: builds the web app when `web/dist/index.html` is missing (a fresh
 * clone installed with `--ignore-scripts`, or a deleted dist), so the two-command quick start holds.
 * A build already present is used as is; `npm run build:web` rebuilds it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
if (!existsSync(`${root}web/dist/index.html`)) {
  process.stdout.write('Building the web app (web/dist)…\n');
  const result = spawnSync('npm', ['run', 'build:web'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    process.stderr.write('The web app could not be built; the server will start without it (the API still works).\n');
  }
}
