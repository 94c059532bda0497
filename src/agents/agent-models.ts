import { ConfabError } from '../domain/errors.ts';
import type { ModelInfo } from '../domain/records.ts';
import type { ModelResolver } from '../engine/run/run-context.ts';
import type { ModelRegistry } from '../providers/model-registry.ts';
import type { Pricing } from '../providers/pricing.ts';
import { AcpAgent } from './acp/acp-agent.ts';
import { ClaudeCodeAgent } from './claude-code/claude-code-agent.ts';
import { CodexAgent } from './codex/codex-agent.ts';
import { OpenCodeAgent } from './opencode/opencode-agent.ts';
import type { AgentProviderSettings } from './agent-config.ts';
import type { AgentSource } from './agent-source.ts';

/** An agent source that owns processes, closed with the server. */
export type ClosableAgent = AgentSource & { close(): void };

export type AgentFactory = (settings: AgentProviderSettings) => ClosableAgent;

/** The agents Confab drives, one source per agent provider. */
export const createAgentSource: AgentFactory = (settings) => {
  switch (settings.type) {
    case 'acp':
      return new AcpAgent(settings);
    case 'codex':
      return new CodexAgent(settings);
    case 'opencode':
      return new OpenCodeAgent(settings);
    case 'claude-code':
      return new ClaudeCodeAgent(settings);
  }
};

/**
 * The model registry with the configured coding agents beside the model providers: `<agent>/<model>`
 * resolves to the agent (one source per agent provider, holding its processes), and the listing
 * shows each agent's declared models, or `<agent>/default`.
 */
export function withAgents(registry: ModelRegistry, agents: AgentProviderSettings[], create: AgentFactory = createAgentSource): ModelResolver & { list(): ModelInfo[]; defaultModel(): string | undefined; close(): void } {
  const byName = new Map(agents.map((settings) => [settings.name, settings]));
  const sources = new Map<string, ClosableAgent>();
  const sourceFor = (settings: AgentProviderSettings) => {
    let source = sources.get(settings.name);
    if (!source) sources.set(settings.name, (source = create(settings)));
    return source;
  };
  return {
    resolve(modelId) {
      const slash = modelId.indexOf('/');
      const settings = slash > 0 ? byName.get(modelId.slice(0, slash)) : undefined;
      if (!settings) return registry.resolve(modelId);
      const model = modelId.slice(slash + 1);
      if (model === '') throw new ConfabError('unknown_model', `Model ids look like provider/model, got ${JSON.stringify(modelId)}.`);
      if (settings.models && model !== 'default' && !Object.hasOwn(settings.models, model)) {
        const available = ['default', ...Object.keys(settings.models)].map((name) => `${settings.name}/${name}`);
        throw new ConfabError('unknown_model', `Unknown model ${JSON.stringify(modelId)}. Agent "${settings.name}" offers: ${available.join(', ')}`);
      }
      const pricing: Pricing | undefined = settings.models?.[model] ?? undefined;
      return { source: sourceFor(settings), pricing };
    },
    list() {
      const listing = registry.list();
      for (const settings of agents) {
        const names = settings.models ? Object.keys(settings.models) : ['default'];
        const steer = sourceFor(settings).steering === true ? { steer: true } : {};
        for (const name of names) listing.push({ id: `${settings.name}/${name}`, provider: settings.name, pricing: settings.models?.[name] ?? null, ...steer });
      }
      return listing;
    },
    defaultModel() {
      const chosen = registry.defaultModel();
      if (chosen !== undefined || agents.length === 0) return chosen;
      const first = agents[0]!;
      return `${first.name}/${first.models ? (Object.keys(first.models)[0] ?? 'default') : 'default'}`;
    },
    close() {
      for (const source of sources.values()) source.close();
      sources.clear();
    },
  };
}
