import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfabError } from '../domain/errors.ts';
import type { ModelRegistry } from '../providers/model-registry.ts';
import { agentDefaults, type AgentProviderSettings, type AgentType } from './agent-config.ts';
import { withAgents } from './agent-models.ts';

const noModels: ModelRegistry = {
  resolve: (modelId) => {
    throw new ConfabError('unknown_model', modelId);
  },
  list: () => [],
  defaultModel: () => undefined,
};

const agent = (name: string, type: AgentType): AgentProviderSettings => ({ name, type, command: name, args: [], env: {}, models: undefined, sessionMode: undefined, sdkPath: undefined, sandbox: undefined, approvalPolicy: undefined, ...agentDefaults });

describe('agents in the model listing', () => {
  it('marks the agents whose running turn takes steered messages (Codex), and only those', () => {
    const models = withAgents(noModels, [agent('codex', 'codex'), agent('claude', 'acp'), agent('opencode', 'opencode')]);
    try {
      assert.deepEqual(models.list(), [
        { id: 'codex/default', provider: 'codex', pricing: null, steer: true },
        { id: 'claude/default', provider: 'claude', pricing: null },
        { id: 'opencode/default', provider: 'opencode', pricing: null },
      ]);
    } finally {
      models.close();
    }
  });
});
