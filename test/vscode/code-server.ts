/**
 * A real VS Code for the extension's end-to-end test: code-server (VS Code's workbench served to a
 * browser, its extension host in Node), installed by `scripts/ci/install-code-server.sh` into a
 * cache folder outside node_modules, driven in Debian's Chromium by playwright-core.
 *
 *   const editor = await startCodeServer({ workspace, vsix, settings: { 'confab.serverUrl': url } });
 *   await page.goto(editor.workbenchUrl);
 *   await editor.stop();                  // the whole process group, then its folders
 *
 * Everything it writes (HOME, TMPDIR, XDG_*, user data, extensions) goes to one folder per run.
 * Missing: the suite is skipped with a note, unless CI is set (then it fails).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromiumPath } from '../web/browser-support.ts';
import { freePort } from '../../src/util/free-port.ts';

export const codeServerVersion = '4.139.1';
export const codeServerDir = join(process.env.CONFAB_TOOLS_DIR ?? join(homedir(), '.cache', 'confab-test-tools'), `code-server-${codeServerVersion}`);
const codeServerBin = join(codeServerDir, 'node_modules', '.bin', 'code-server');

/** Why the real-editor test cannot run here, or undefined. Throws under CI: CI must run it. */
export function codeServerSkipReason(): string | undefined {
  const missing = [
    existsSync(join(codeServerDir, '.complete')) && existsSync(codeServerBin) ? null : `code-server ${codeServerVersion} is not in ${codeServerDir} (bash scripts/ci/install-code-server.sh installs it, ~3–4 min)`,
    existsSync(chromiumPath) ? null : `${chromiumPath} is missing (apt-get install -y chromium)`,
  ].filter((reason) => reason !== null);
  if (missing.length === 0) return undefined;
  if (process.env.CI) throw new Error(`CI is set and ${missing.join('; ')}.`);
  return missing.join('; ');
}

export type CodeServer = {
  /** The workbench with the workspace folder open. */
  workbenchUrl: string;
  /** How long `--install-extension` took, in ms. */
  installMs: number;
  stop(): Promise<void>;
};

const baseSettings = {
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'chat.disableAIFeatures': true,
  'typescript.disableAutomaticTypeAcquisition': true,
  'git.enabled': false,
  'window.restoreWindows': 'all',
};

export async function startCodeServer(options: { workspace: string; vsix: string; settings?: Record<string, unknown> }): Promise<CodeServer> {
  const runDir = await mkdtemp(join(tmpdir(), 'confab-code-server-'));
  const userData = join(runDir, 'user-data');
  const extensions = join(runDir, 'extensions');
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    // Node 24 (this one) first: code-server refuses other majors.
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    HOME: join(runDir, 'home'),
    TMPDIR: join(runDir, 'tmp'),
    XDG_CONFIG_HOME: join(runDir, 'config'),
    XDG_DATA_HOME: join(runDir, 'data'),
    XDG_CACHE_HOME: join(runDir, 'cache'),
    XDG_STATE_HOME: join(runDir, 'state'),
  };
  for (const dir of ['home', 'tmp', 'config', 'data', 'cache', 'state', 'user-data/User', 'extensions']) await mkdir(join(runDir, dir), { recursive: true });
  await writeFile(join(userData, 'User', 'settings.json'), JSON.stringify({ ...baseSettings, ...options.settings }, null, 2));

  const dirs = ['--user-data-dir', userData, '--extensions-dir', extensions];
  const installStarted = Date.now();
  const install = spawnSync(codeServerBin, [...dirs, '--install-extension', options.vsix], { env, encoding: 'utf8', timeout: 120_000 });
  const installMs = Date.now() - installStarted;
  if (install.status !== 0 || !/successfully installed/i.test(install.stdout)) {
    await rm(runDir, { recursive: true, force: true });
    throw new Error(`code-server --install-extension failed (${install.status}): ${install.stdout} ${install.stderr}`);
  }

  const port = await freePort();
  // Its own process group (detached), so that stop() ends the file watchers and extension host with it.
  const child: ChildProcess = spawn(
    codeServerBin,
    ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', ...dirs, options.workspace],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(runDir, { recursive: true, force: true, maxRetries: 3 });
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    const healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not come up on port ${port}: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { workbenchUrl: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(options.workspace)}`, installMs, stop };
}

export { freePort };
