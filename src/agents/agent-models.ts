import { ConfabError } from '../domain/errors.ts';
import type { ModelInfo } from '../domain/records.ts';
import type { ModelResolver } from '../engine/run/run-context.ts';
import type { ModelRegistry } from '../providers/model-registry.ts';
import type { Pricing } from '../providers/pricing.ts';
import { UpstreamError } from '../providers/upstream-error.ts';
import { AcpAgent } from './acp/acp-agent.ts';
import { CodexAgent } from './codex/codex-agent.ts';
import { OpenCodeAgent } from './opencode/opencode-agent.ts';
import type { AgentProviderSettings } from './agent-config.ts';
import type { AgentSource } from './agent-source.ts';

/** An agent source that owns processes, closed with the server. */
export type ClosableAgent = AgentSource & { close(): void };

export type AgentFactory = (settings: AgentProviderSettings) => ClosableAgent;

/** The agents Confab drives today. `claude-code` is declared but not built yet. */
export const createAgentSource: AgentFactory = (settings) => {
  if (settings.type === 'acp') return new AcpAgent(settings);
  if (settings.type === 'codex') return new CodexAgent(settings);
  if (settings.type === 'opencode') return new OpenCodeAgent(settings);
  return new UnavailableAgent(settings);
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

/** A declared agent type Confab cannot drive yet: every turn fails saying so. */
class UnavailableAgent implements ClosableAgent {
  readonly kind = 'agent' as const;
  readonly #settings: AgentProviderSettings;

  constructor(settings: AgentProviderSettings) {
    this.#settings = settings;
  }

  // eslint-disable-next-line require-yield
  async *turn(): AsyncIterable<never> {
    throw new UpstreamError({
      code: 'bad_request',
      message: `Agents of type ${this.#settings.type} are not supported yet; drive it through its ACP adapter with type "acp" (see docs/agents.md).`,
      retryable: false,
    });
  }

  close(): void {}
}
