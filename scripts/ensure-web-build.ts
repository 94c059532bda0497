/**
 * `npm start` runs this first: builds the web app when `web/dist/index.html` is missing (a fresh
 * clone: `npm install` does not build it, see docs/web-ui.md) or older than any of its sources
 * (after a pull or an edit), so the two-command quick start always serves the current UI.
 * `npm run build:web` rebuilds it by hand.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
/** What the bundle is built from: the app and the SDK sources it bundles. */
const sources = ['web/src', 'web/index.html', 'web/vite.config.ts', 'src/client', 'src/events', 'src/domain'];

function newestChange(path: string): number {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(info.mtimeMs, ...readdirSync(path).map((name) => newestChange(`${path}/${name}`)));
}

const built = statSync(`${root}web/dist/index.html`, { throwIfNoEntry: false });
const stale = !built || sources.some((source) => newestChange(`${root}${source}`) > built.mtimeMs);
if (stale) {
  process.stdout.write(built ? 'Rebuilding the web app (web/dist is older than its sources)…\n' : 'Building the web app (web/dist)…\n');
  const result = spawnSync('npm', ['run', 'build:web'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    process.stderr.write('The web app could not be built; the server will start without it (the API still works).\n');
  }
}
