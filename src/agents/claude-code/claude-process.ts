import type { PermissionAnswer } from '../../providers/stream-part.ts';
import { UpstreamError } from '../../providers/upstream-error.ts';
import type { AgentProviderSettings } from '../agent-config.ts';
import { AgentProcess } from '../agent-process.ts';
import { AsyncQueue } from '../async-queue.ts';
import { ClaudePlan } from './claude-plan.ts';
import { raceAbort } from '../race-abort.ts';
import type { ClaudeQuery, ClaudeQueryOptions, ClaudeSdk, PermissionResult, SdkMessage, SdkUserMessage, SpawnedProcess } from './claude-sdk.ts';

/** Where a running turn's messages and permission requests go. */
export type ClaudeSink = {
  message(message: SdkMessage): void;
  permission(request: { toolUseId: string; toolName: string; input: Record<string, unknown>; withdrawn: AbortSignal }, answer: (answer: PermissionAnswer) => void): void;
};

export type ClaudeSessionOptions = {
  cwd: string;
  /** The model to start with ('' = Claude Code's own default). */
  model: string;
  /** Continue this session (`resume`), or start a new one with this id (`sessionId`). */
  session: { resume: string } | { id: string };
  /** Appended to Claude Code's system prompt in a new session ('' for none). */
  system: string;
};

/**
 * One Claude Code process driven through the Agent SDK's `query()` with streaming input: it holds
 * one session, takes one user message per turn, and reports every SDK message to the turn in
 * progress. Spawned by Confab (`spawnClaudeCodeProcess`) in the project directory and in its own
 * process group, so a stop or a crash takes its shells with it.
 */
export class ClaudeProcess {
  readonly sessionId: string;
  readonly cwd: string;
  readonly model: string;
  /** The session's cost total as last reported (undefined: not known, e.g. after a resume). */
  costTotal: number | undefined;
  /** The session's to-do list as this process has seen it. */
  readonly plan = new ClaudePlan();
  /** The turn in progress; messages outside a turn (a prompt suggestion after a result) are dropped. */
  sink: ClaudeSink | undefined;
  readonly #label: string;
  readonly #query: ClaudeQuery;
  /** The user messages of the streaming-input query, one per turn, until closed. */
  readonly #input = new AsyncQueue<SdkUserMessage>();
  readonly #gone = new AbortController();
  readonly #exited: Promise<void>;
  readonly #initialized: Promise<unknown>;
  #process: AgentProcess | undefined;
  #said: string | undefined;

  constructor(sdk: ClaudeSdk, settings: AgentProviderSettings, options: ClaudeSessionOptions) {
    this.#label = settings.name;
    this.cwd = options.cwd;
    this.model = options.model;
    const resume = 'resume' in options.session ? options.session.resume : undefined;
    this.sessionId = resume ?? (options.session as { id: string }).id;
    this.costTotal = resume === undefined ? 0 : undefined;
    const queryOptions: ClaudeQueryOptions = {
      cwd: options.cwd,
      env: { ...globalThis.process.env, ...settings.env, CLAUDE_AGENT_SDK_CLIENT_APP: 'confab' },
      pathToClaudeCodeExecutable: settings.command,
      spawnClaudeCodeProcess: (spawn) => {
        const env = Object.fromEntries(Object.entries(spawn.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
        const child = new AgentProcess({ label: settings.name, command: spawn.command, args: [...spawn.args, ...settings.args], env, cwd: options.cwd });
        this.#process = child;
        // The SDK gave up on a graceful exit: take the whole group.
        spawn.signal.addEventListener('abort', () => child.kill(), { once: true });
        return child.child as SpawnedProcess;
      },
      includePartialMessages: true,
      // Claude Code asks before anything not known to be safe; Confab turns each ask into an approval.
      permissionMode: 'default',
      canUseTool: (toolName, input, { signal, toolUseID }) => this.#permission(toolName, input, toolUseID, signal),
      // A question to the user needs its answer chosen or typed, which an approval cannot carry
      // (docs/agents.md, "Questions agents ask"): the model is not offered the tool.
      disallowedTools: ['AskUserQuestion'],
      // Confab passes no MCP servers: nothing goes on the command line, and any Claude Code version reads it.
      mcpServersDelivery: 'argv',
      ...(options.model === '' ? {} : { model: options.model }),
      ...(resume === undefined ? { sessionId: this.sessionId } : { resume }),
      ...(resume === undefined && options.system !== '' ? { systemPrompt: { type: 'preset', preset: 'claude_code', append: options.system } } : {}),
    };
    this.#query = sdk.query({ prompt: this.#input, options: queryOptions });
    const read = this.#read();
    // The SDK stops reading when the process ends (or the process is killed when the SDK stops).
    this.#exited = read.then(() => this.#process?.exited);
    void read.then(() => this.#gone.abort());
    this.#initialized = raceAbort(this.#query.initializationResult(), this.#gone.signal);
    this.#initialized.catch(() => {});
  }

  /** Aborts when the process, or the SDK's reading of it, has ended. */
  get gone(): AbortSignal {
    return this.#gone.signal;
  }

  get alive(): boolean {
    return !this.#gone.signal.aborted;
  }

  get exited(): Promise<void> {
    return this.#exited;
  }

  /** Why the process is gone, as an upstream error a client may read: how it ended, its stderr's tail, and what the SDK said. */
  failure(): UpstreamError {
    const said = this.#said === undefined ? '' : ` Claude Code said: ${this.#said}`;
    if (!this.#process) return new UpstreamError({ code: 'server', message: `The ${this.#label} agent could not be started.${said}`, retryable: true });
    const failure = this.#process.failure();
    if (said === '' || failure.code === 'not_found') return failure;
    return new UpstreamError({ code: failure.code, message: `${failure.message}${said}`, retryable: failure.retryable });
  }

  /**
   * Waits until Claude Code has answered the SDK's `initialize` (its session is loaded). Resolves
   * with `lost` when it has no session of the id to resume; throws why it could not start.
   */
  async open(): Promise<{ lost: string | undefined }> {
    try {
      await this.#initialized;
      return { lost: undefined };
    } catch (error) {
      const said = saidBy(error);
      if (said !== undefined && /no conversation found/i.test(said)) return { lost: said };
      this.#said ??= said;
      await Promise.race([this.#exited, new Promise((resolve) => setTimeout(resolve, 200))]);
      throw this.failure();
    }
  }

  /** Sends the turn's user message. */
  send(text: string): void {
    this.#input.push({ type: 'user', message: { role: 'user', content: text }, parent_tool_use_id: null, session_id: this.sessionId });
  }

  interrupt(): void {
    this.#query.interrupt().catch(() => {});
  }

  /** Kills the whole process group. */
  close(): void {
    this.#input.end();
    this.#query.close();
    this.#process?.kill();
    this.#gone.abort();
  }

  async #read(): Promise<void> {
    try {
      for await (const message of this.#query) this.sink?.message(message);
    } catch (error) {
      // How the process ended is told by the process itself; keep only what else the SDK knows.
      const said = saidBy(error) ?? 'unknown error';
      if (!/^Claude Code process (exited|terminated|aborted|error)/.test(said)) this.#said = said;
    } finally {
      // Nothing reads the process any more: it is of no use.
      this.#process?.kill();
    }
  }

  #permission(toolName: string, input: Record<string, unknown>, toolUseId: string, signal: AbortSignal): Promise<PermissionResult> {
    const sink = this.sink;
    if (!sink) return Promise.resolve({ behavior: 'deny', message: 'No turn of this session is running in Confab.' });
    return new Promise((resolve) => {
      const withdrawn = AbortSignal.any([this.#gone.signal, signal]);
      sink.permission({ toolUseId, toolName, input, withdrawn }, (answer) => resolve(permissionResult(answer, input)));
    });
  }
}

/** What an SDK error says, without its prefix. */
function saidBy(error: unknown): string | undefined {
  const message = (error as { message?: unknown })?.message;
  return typeof message === 'string' ? message.replace(/^Claude Code returned an error result: /, '').slice(0, 300) : undefined;
}

/** Allowing answers "allow" for this call only: Confab remembers "always" per conversation itself. */
function permissionResult(answer: PermissionAnswer, input: Record<string, unknown>): PermissionResult {
  if (answer === 'allow') return { behavior: 'allow', updatedInput: input };
  if (answer === 'deny') return { behavior: 'deny', message: 'The user denied this tool call.' };
  return { behavior: 'deny', message: 'The run was stopped.', interrupt: true };
}
