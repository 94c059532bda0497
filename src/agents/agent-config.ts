import { z } from 'zod';
import type { Pricing } from '../providers/pricing.ts';
import { codexApprovalPolicies, codexSandboxModes, type CodexApprovalPolicy, type CodexSandboxMode } from './codex/codex-policy.ts';

/**
 * A coding agent declared as a provider in the config file:
 *
 *   "providers": { "claude": { "type": "claude-code", "models": ["sonnet", "opus"] },
 *                  "gemini": { "type": "acp", "command": "gemini", "args": ["--acp"], "env": { "GEMINI_API_KEY": "…" } } }
 *
 * Model ids are `<provider>/<model>` as for model providers; `<provider>/default` is the agent's
 * own default model. Without `models`, any model name is passed to the agent as it is.
 */
export type AgentType = 'claude-code' | 'codex' | 'opencode' | 'acp';

export const agentTypes = ['claude-code', 'codex', 'opencode', 'acp'] as const satisfies readonly AgentType[];

export type AgentProviderSettings = {
  name: string;
  type: AgentType;
  /** The program: an absolute path, or a name found on `PATH`. */
  command: string;
  args: string[];
  /** Added to the environment the agent starts with (Confab's own environment, minus nothing). */
  env: Record<string, string>;
  /** Declared models and their price (null: none given). Undefined: any model name is passed on. */
  models: Record<string, Pricing | null> | undefined;
  /** Agent processes this provider may run at once (each holds one agent session). */
  maxProcesses: number;
  /** An agent process with no turn for this long is closed (its session resumes on the next message). */
  idleTimeoutMs: number;
  /** After an interrupt, how long the agent has to end its turn before its process group is killed. */
  stopGraceMs: number;
  /** ACP only: the session mode set on every session (e.g. `default`, so the agent asks before it acts). */
  sessionMode: string | undefined;
  /** claude-code only: where the Claude Agent SDK is installed, when not beside Confab. */
  sdkPath: string | undefined;
  /** codex only: Codex's sandbox and approval policy for its threads (undefined: Confab's default, codex-policy.ts). */
  sandbox: CodexSandboxMode | undefined;
  approvalPolicy: CodexApprovalPolicy | undefined;
};

/** The program each type runs when the config names none. A generic ACP agent must name its program. */
export const defaultCommands: Record<Exclude<AgentType, 'acp'>, string> = { 'claude-code': 'claude', codex: 'codex', opencode: 'opencode' };

export const agentDefaults = { maxProcesses: 4, idleTimeoutMs: 10 * 60_000, stopGraceMs: 5_000 } as const;

const nonNegative = z.number().nonnegative();
const AgentModelSchema = z
  .strictObject({ inputPerMillion: nonNegative.optional(), outputPerMillion: nonNegative.optional(), cachedInputPerMillion: nonNegative.optional() })
  .refine((entry) => (entry.inputPerMillion === undefined) === (entry.outputPerMillion === undefined), {
    message: 'give both inputPerMillion and outputPerMillion, or neither',
  });

export const AgentProviderSchema = z
  .strictObject({
    type: z.enum(agentTypes),
    command: z.string().min(1).optional(),
    args: z.array(z.string()).max(64).optional(),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment variable names are letters, digits and _'), z.string()).optional(),
    models: z
      .preprocess(
        (value) => (Array.isArray(value) ? Object.fromEntries(value.map((name) => [name, {}])) : value),
        z.record(z.string().min(1).regex(/^\S+$/, 'model names have no spaces'), AgentModelSchema),
      )
      .optional(),
    maxProcesses: z.number().int().min(1).max(256).optional(),
    idleTimeoutMs: z.number().int().min(1_000).max(7 * 24 * 3_600_000).optional(),
    stopGraceMs: z.number().int().min(100).max(600_000).optional(),
    sessionMode: z.string().min(1).optional(),
    sdkPath: z.string().min(1).optional(),
    sandbox: z.enum(codexSandboxModes).optional(),
    approvalPolicy: z.enum(codexApprovalPolicies).optional(),
  })
  .superRefine((agent, context) => {
    if (agent.type === 'acp' && agent.command === undefined) context.addIssue({ code: 'custom', path: ['command'], message: 'is required for type acp' });
    if (agent.sessionMode !== undefined && agent.type !== 'acp') context.addIssue({ code: 'custom', path: ['sessionMode'], message: 'only applies to type acp' });
    if (agent.sdkPath !== undefined && agent.type !== 'claude-code') context.addIssue({ code: 'custom', path: ['sdkPath'], message: 'only applies to type claude-code' });
    for (const field of ['sandbox', 'approvalPolicy'] as const) if (agent[field] !== undefined && agent.type !== 'codex') context.addIssue({ code: 'custom', path: [field], message: 'only applies to type codex' });
  });

export function isAgentType(type: unknown): type is AgentType {
  return (agentTypes as readonly unknown[]).includes(type);
}

export function toAgentSettings(name: string, parsed: z.infer<typeof AgentProviderSchema>): AgentProviderSettings {
  return {
    name,
    type: parsed.type,
    command: parsed.command ?? defaultCommands[parsed.type as Exclude<AgentType, 'acp'>],
    args: parsed.args ?? [],
    env: parsed.env ?? {},
    models: parsed.models ? Object.fromEntries(Object.entries(parsed.models).map(([model, entry]) => [model, toPricing(entry)])) : undefined,
    maxProcesses: parsed.maxProcesses ?? agentDefaults.maxProcesses,
    idleTimeoutMs: parsed.idleTimeoutMs ?? agentDefaults.idleTimeoutMs,
    stopGraceMs: parsed.stopGraceMs ?? agentDefaults.stopGraceMs,
    sessionMode: parsed.sessionMode,
    sdkPath: parsed.sdkPath,
    sandbox: parsed.sandbox,
    approvalPolicy: parsed.approvalPolicy,
  };
}

function toPricing(entry: z.infer<typeof AgentModelSchema>): Pricing | null {
  if (entry.inputPerMillion === undefined || entry.outputPerMillion === undefined) return null;
  const pricing: Pricing = { inputPerMillion: entry.inputPerMillion, outputPerMillion: entry.outputPerMillion };
  if (entry.cachedInputPerMillion !== undefined) pricing.cachedInputPerMillion = entry.cachedInputPerMillion;
  return pricing;
}
