/**
 * A `CODEX_HOME` for Codex driven offline: its `config.toml` points the model provider at a fake
 * model on the Responses wire, with no retries, update checks or analytics. Shared by the Codex
 * end-to-end test and the bench's agent-overhead scenario.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Writes `<homeDir>/.codex/config.toml`; returns the environment Codex runs with (`CODEX_HOME` and the fake key). */
export async function writeCodexHome(homeDir: string, modelUrl: string): Promise<{ codexHome: string; env: Record<string, string> }> {
  const codexHome = join(homeDir, '.codex');
  await mkdir(codexHome, { recursive: true });
  await writeFile(
    join(codexHome, 'config.toml'),
    [
      'model = "fake-model"',
      'model_provider = "fake"',
      'check_for_update_on_startup = false',
      '[model_providers.fake]',
      'name = "fake"',
      `base_url = "${modelUrl}"`,
      'env_key = "FAKE_API_KEY"',
      'wire_api = "responses"',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '[analytics]',
      'enabled = false',
      '',
    ].join('\n'),
  );
  return { codexHome, env: { CODEX_HOME: codexHome, FAKE_API_KEY: 'fake-key' } };
}
