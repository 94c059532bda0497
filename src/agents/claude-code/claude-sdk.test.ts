import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { agentTool } from '../../../test/support/agent-tools.ts';
import { UpstreamError } from '../../providers/upstream-error.ts';
import { toAgentSettings } from '../agent-config.ts';
import { ClaudeCodeAgent } from './claude-code-agent.ts';
import { loadClaudeSdk } from './claude-sdk.ts';

const sdk = agentTool('claudeAgentSdk');

describe('loading the Claude Agent SDK (an optional peer dependency)', () => {
  it('missing where the provider says, a claude-code turn fails not_found saying how to install it (nothing is spawned)', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'confab-no-sdk-'));
    try {
      const agent = new ClaudeCodeAgent(toAgentSettings('claude', { type: 'claude-code', sdkPath: empty }));
      const turn = agent.turn({ cwd: empty, model: '', prompt: 'hi', system: '', resumeSessionId: null, signal: new AbortController().signal });
      await assert.rejects(
        async () => {
          for await (const _part of turn);
        },
        (error: unknown) => {
          assert.ok(UpstreamError.is(error));
          assert.equal(error.code, 'not_found');
          assert.equal(error.retryable, false);
          assert.match(error.message, new RegExp(`could not be loaded in ${empty}: install it with \`npm install @anthropic-ai/claude-agent-sdk@0\\.3\\.332\``));
          return true;
        },
      );
      agent.close();
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('loads from an sdkPath that is an install prefix or the package folder itself', { skip: sdk.skip }, async () => {
    const fromPrefix = await loadClaudeSdk(sdk.folder!);
    assert.equal(typeof fromPrefix.query, 'function');
    const fromPackage = await loadClaudeSdk(join(sdk.folder!, 'node_modules', '@anthropic-ai', 'claude-agent-sdk'));
    assert.equal(fromPackage.query, fromPrefix.query, 'the same module');
  });
});
