/**
 * The coding-agent programs the agent tests drive: installed at pinned versions by
 * `scripts/ci/install-agents.sh` into `CONFAB_TOOLS_DIR` (default `~/.cache/confab-test-tools`),
 * never into node_modules. Missing here: the tests skip with a note; under CI they fail.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export const toolsDir = process.env.CONFAB_TOOLS_DIR ?? join(homedir(), '.cache', 'confab-test-tools');

/** Keep in step with scripts/ci/install-agents.sh. */
export const agentPackages = {
  claudeAcp: { spec: '@agentclientprotocol/claude-agent-acp@0.101.0', entry: 'node_modules/@agentclientprotocol/claude-agent-acp/dist/index.js' },
  claudeCode: { spec: '@anthropic-ai/claude-code@2.1.332', entry: 'node_modules/.bin/claude' },
  /** The Claude Agent SDK tracks Claude Code's version; its folder is the provider's `sdkPath`. */
  claudeAgentSdk: { spec: '@anthropic-ai/claude-agent-sdk@0.3.332', entry: 'node_modules/@anthropic-ai/claude-agent-sdk/sdk.mjs' },
  codex: { spec: '@openai/codex@0.171.0', entry: 'node_modules/.bin/codex' },
  opencode: { spec: 'opencode-ai@1.18.33', entry: 'node_modules/.bin/opencode' },
} as const;

function folderOf(spec: string): string {
  return join(toolsDir, spec.replace(/^@/, '').replaceAll('/', '+').replaceAll('@', '-'));
}

/** The installed file (and the folder it was installed into), or a reason to skip (throws under CI: CI must run these tests). */
export function agentTool(name: keyof typeof agentPackages): { path: string; folder: string; skip: undefined } | { path: undefined; folder: undefined; skip: string } {
  const { spec, entry } = agentPackages[name];
  const path = join(folderOf(spec), entry);
  if (existsSync(path)) return { path, folder: folderOf(spec), skip: undefined };
  const reason = `${spec} is not installed in ${toolsDir}: run scripts/ci/install-agents.sh to run these tests`;
  if (process.env.CI) throw new Error(`CI is set and ${reason}.`);
  return { path: undefined, folder: undefined, skip: reason };
}

/** A home for one agent run, so it reads and writes nothing of the real user's. */
export async function agentHome(): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = await mkdtemp(join(tmpdir(), 'confab-agent-home-'));
  const env = { HOME: dir, XDG_CONFIG_HOME: join(dir, '.config'), XDG_DATA_HOME: join(dir, '.local/share'), XDG_CACHE_HOME: join(dir, '.cache'), XDG_STATE_HOME: join(dir, '.local/state') };
  for (const path of Object.values(env)) await mkdir(path, { recursive: true });
  return { dir, env };
}

/**
 * What keeps Claude Code (and its ACP adapter) offline and out of the real home: pointed at the fake
 * model at `model.url`, its config and sessions in `home`, no updates, telemetry or error reports.
 */
export function claudeCodeEnv(home: { dir: string; env: Record<string, string> }, model: { url: string }): Record<string, string> {
  return {
    ...home.env,
    ANTHROPIC_BASE_URL: model.url.replace(/\/v1$/, ''),
    ANTHROPIC_API_KEY: 'fake-key',
    CLAUDE_CONFIG_DIR: join(home.dir, '.claude'),
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
  };
}
