import { UpstreamError } from '../../providers/upstream-error.ts';
import type { AgentProviderSettings } from '../agent-config.ts';
import { AgentProcess } from '../agent-process.ts';
import { JsonLinesRpc, RpcError } from '../json-lines-rpc.ts';
import { codexThreadPolicy, type CodexThreadPolicy } from './codex-policy.ts';

/** Where a running turn's notifications and approval requests go. */
export type CodexSink = {
  notification(method: string, params: any): void;
  /** `item/commandExecution/requestApproval` or `item/fileChange/requestApproval`: resolves to Codex's decision. */
  approval(method: string, params: any): Promise<{ decision: string }>;
};

/** The thread this process holds. */
export type CodexThread = {
  id: string;
  cwd: string;
  /** Set when the thread asked for could not be resumed and this one was started instead. */
  lostReason: string | undefined;
  /** The model the thread uses now, and the one it started with (the agent's default). */
  model: string;
  defaultModel: string;
  /** The thread's token total as last reported (undefined: none reported in this process yet). */
  tokenTotal: TokenTotals | undefined;
};

export type TokenTotals = { inputTokens: number; cachedInputTokens: number; outputTokens: number; reasoningOutputTokens: number };

/**
 * One `codex app-server` process (JSON-RPC over its stdio, one message per line) holding one
 * thread. Started in the project directory, in its own process group.
 */
export class CodexProcess {
  readonly #process: AgentProcess;
  readonly #rpc: JsonLinesRpc;
  readonly #settings: AgentProviderSettings;
  /** The provider's sandbox and approval policy, on every thread this process opens. */
  readonly #policy: CodexThreadPolicy;
  readonly #gone = new AbortController();
  #initialized: Promise<void> | undefined;
  thread: CodexThread | undefined;
  /** The turn in progress; notifications outside a turn are kept only for the token total. */
  sink: CodexSink | undefined;

  constructor(settings: AgentProviderSettings, cwd: string) {
    this.#settings = settings;
    this.#policy = codexThreadPolicy(settings);
    this.#process = new AgentProcess({ label: settings.name, command: settings.command, args: ['app-server', ...settings.args], env: settings.env, cwd });
    this.#rpc = new JsonLinesRpc(this.#process.child.stdout!, this.#process.child.stdin!, {
      notification: (method, params) => this.#notification(method, params),
      request: (method, params) => this.#request(method, params),
    });
    void this.#process.exited.then(() => {
      this.#rpc.close(this.#process.failure());
      this.#gone.abort();
    });
  }

  /** Aborts when the process is gone. */
  get gone(): AbortSignal {
    return this.#gone.signal;
  }

  /** Resolves when the process has exited. */
  get exited(): Promise<void> {
    return this.#process.exited;
  }

  get alive(): boolean {
    return this.#process.alive;
  }

  failure(): UpstreamError {
    return this.#process.failure();
  }

  /** Opens the thread to work in: `resumeId` resumed when Codex still has it, else a new one (saying why). */
  async open(cwd: string, resumeId: string | null, system: string): Promise<CodexThread> {
    await this.#initialize();
    let lostReason: string | undefined;
    if (resumeId !== null) {
      try {
        const resumed = await this.#call('thread/resume', { threadId: resumeId, cwd, ...this.#policy, excludeTurns: true });
        return this.#opened(resumed, cwd, undefined);
      } catch (error) {
        if (!this.alive) throw this.failure();
        lostReason = `Codex could not resume it (${messageOf(error)})`;
      }
    }
    const started = await this.#call('thread/start', { cwd, ...this.#policy, ...(system === '' ? {} : { developerInstructions: system }) });
    return this.#opened(started, cwd, lostReason);
  }

  /** Starts a turn; resolves with its id once Codex accepted it. `model` '' is the thread's default. */
  async startTurn(thread: CodexThread, text: string, model: string): Promise<string> {
    const wanted = model === '' ? thread.defaultModel : model;
    const response = await this.#call('turn/start', { threadId: thread.id, input: [{ type: 'text', text, text_elements: [] }], ...(wanted === thread.model ? {} : { model: wanted }) });
    thread.model = wanted;
    return String(response.turn.id);
  }

  /**
   * Adds a message to the running turn (`turn/steer`); resolves once Codex accepted it, rejects
   * when it refused (no active turn). `clientId` comes back on the user-message item Codex adds
   * to the turn when it takes the message.
   */
  async steer(thread: CodexThread, turnId: string, clientId: string, text: string): Promise<void> {
    await this.#call('turn/steer', { threadId: thread.id, expectedTurnId: turnId, clientUserMessageId: clientId, input: [{ type: 'text', text, text_elements: [] }] });
  }

  interrupt(thread: CodexThread, turnId: string): void {
    this.#rpc.request('turn/interrupt', { threadId: thread.id, turnId }).catch(() => {});
  }

  close(): void {
    this.#rpc.close(new Error('closed by Confab'));
    this.#process.kill();
  }

  #initialize(): Promise<void> {
    this.#initialized ??= this.#call('initialize', { clientInfo: { name: 'confab', title: 'Confab', version: '0' }, capabilities: { experimentalApi: false, requestAttestation: false } }).then(() => this.#rpc.notify('initialized'));
    return this.#initialized;
  }

  #opened(response: any, cwd: string, lostReason: string | undefined): CodexThread {
    const model = typeof response.model === 'string' ? response.model : '';
    this.thread = { id: String(response.thread.id), cwd, lostReason, model, defaultModel: model, tokenTotal: undefined };
    return this.thread;
  }

  #notification(method: string, params: any): void {
    if (params?.threadId !== undefined && params.threadId !== this.thread?.id) return;
    if (method === 'thread/tokenUsage/updated' && this.thread) {
      const total = params.tokenUsage?.total;
      if (total && typeof total.inputTokens === 'number') this.thread.tokenTotal = { inputTokens: total.inputTokens, cachedInputTokens: total.cachedInputTokens ?? 0, outputTokens: total.outputTokens ?? 0, reasoningOutputTokens: total.reasoningOutputTokens ?? 0 };
    }
    this.sink?.notification(method, params);
  }

  async #request(method: string, params: any): Promise<unknown> {
    if (method === 'item/commandExecution/requestApproval' || method === 'item/fileChange/requestApproval') {
      const sink = this.sink;
      if (!sink || params?.threadId !== this.thread?.id) return { decision: 'cancel' };
      return sink.approval(method, params);
    }
    // Questions to the user, MCP elicitations, extra permissions: Confab has no way to ask them.
    throw new RpcError(-32601, `Confab does not answer ${method}`);
  }

  /** A request to Codex; a dead process turns into the reason it died. */
  async #call(method: string, params: unknown): Promise<any> {
    try {
      return await this.#rpc.request(method, params);
    } catch (error) {
      if (!this.alive || this.#gone.signal.aborted) {
        await Promise.race([this.#process.exited, new Promise((resolve) => setTimeout(resolve, 200))]);
        throw this.failure();
      }
      throw new UpstreamError({ code: 'server', message: `The ${this.#settings.name} agent refused ${method}: ${messageOf(error)}`, retryable: false, cause: error });
    }
  }
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown })?.message;
  return typeof message === 'string' ? message.slice(0, 300) : 'unknown error';
}
