import { Readable, Writable } from 'node:stream';
import { client, methods, ndJsonStream, PROTOCOL_VERSION, type ClientConnection, type NewSessionResponse, type PromptResponse, type RequestPermissionRequest, type RequestPermissionResponse, type SessionUpdate } from '@agentclientprotocol/sdk';
import type { PermissionAnswer } from '../../providers/stream-part.ts';
import { UpstreamError } from '../../providers/upstream-error.ts';
import type { AgentProviderSettings } from '../agent-config.ts';
import { AgentProcess } from '../agent-process.ts';

/** Where a running turn's notifications and permission requests go. */
export type TurnSink = {
  update(update: SessionUpdate): void;
  permission(request: RequestPermissionRequest, answer: (answer: PermissionAnswer) => void): void;
};

/** The session this process holds: what the agent told us about it. */
export type AcpSession = {
  id: string;
  cwd: string;
  /** Set when the session asked for could not be loaded and this one was started instead. */
  lostReason: string | undefined;
  /** The model the session uses, as Confab last set it ('' = the agent's default). */
  model: string;
  /** The session's running cost total as last reported (undefined: not known, e.g. after a load). */
  costTotal: number | undefined;
  modelOption: { configId: string; values: string[] } | undefined;
};

/**
 * One ACP agent process (JSON-RPC over its stdio, through the official SDK's client side) holding
 * one session. Confab offers no file-system or terminal methods: the agent works on the project's
 * files itself, in its own process, and asks Confab only for permission.
 */
export class AcpProcess {
  readonly #process: AgentProcess;
  readonly #connection: ClientConnection;
  readonly #settings: AgentProviderSettings;
  #initialized: Promise<{ loadSession: boolean }> | undefined;
  session: AcpSession | undefined;
  /** The turn in progress; notifications outside a turn (a session being loaded replays its history) are dropped. */
  sink: TurnSink | undefined;

  constructor(settings: AgentProviderSettings, cwd: string) {
    this.#settings = settings;
    this.#process = new AgentProcess({ label: settings.name, command: settings.command, args: settings.args, env: settings.env, cwd });
    const app = client({ name: 'confab' })
      .onNotification(methods.client.session.update, ({ params }) => {
        if (params.sessionId === this.session?.id) this.sink?.update(params.update);
      })
      .onRequest(methods.client.session.requestPermission, ({ params }) => this.#permission(params));
    const stdin = Writable.toWeb(this.#process.child.stdin!) as WritableStream<Uint8Array>;
    const stdout = Readable.toWeb(this.#process.child.stdout!) as ReadableStream<Uint8Array>;
    this.#connection = app.connect(ndJsonStream(stdin, stdout));
    void this.#process.exited.then(() => this.#connection.close(this.#process.failure()));
  }

  /** Aborts when the process or its connection is gone. */
  get gone(): AbortSignal {
    return this.#connection.signal;
  }

  get alive(): boolean {
    return this.#process.alive && !this.#connection.signal.aborted;
  }

  /** Resolves when the process has exited. */
  get exited(): Promise<void> {
    return this.#process.exited;
  }

  /** Why the process or its connection is gone. */
  failure(): UpstreamError {
    return this.#process.failure();
  }

  /** Opens the session to work in: `resumeId` loaded when the agent can, else a new one (saying why). */
  async open(cwd: string, resumeId: string | null, system: string): Promise<{ session: AcpSession; system: string }> {
    const { loadSession } = await this.#initialize();
    let lostReason: string | undefined;
    if (resumeId !== null) {
      if (!loadSession) {
        lostReason = 'this agent cannot load earlier sessions';
      } else {
        try {
          const loaded = await this.#call(() => this.#connection.agent.request(methods.agent.session.load, { sessionId: resumeId, cwd, mcpServers: [] }));
          return { session: await this.#opened(resumeId, cwd, loaded, undefined, undefined), system: '' };
        } catch (error) {
          if (!this.alive) throw this.failure();
          lostReason = `the agent could not load it (${messageOf(error)})`;
        }
      }
    }
    const created = await this.#call(() => this.#connection.agent.request(methods.agent.session.new, { cwd, mcpServers: [] }));
    return { session: await this.#opened(created.sessionId, cwd, created, lostReason, 0), system };
  }

  async setModel(session: AcpSession, model: string): Promise<void> {
    if (session.model === model) return;
    if (!session.modelOption) throw new UpstreamError({ code: 'bad_request', message: `The ${this.#settings.name} agent does not offer a choice of model; use ${this.#settings.name}/default.`, retryable: false });
    const value = model === '' ? (session.modelOption.values.includes('default') ? 'default' : undefined) : model;
    if (value === undefined) return;
    if (!session.modelOption.values.includes(value)) {
      throw new UpstreamError({ code: 'not_found', message: `The ${this.#settings.name} agent has no model "${model}"; it offers ${session.modelOption.values.join(', ')}.`, retryable: false });
    }
    await this.#call(() => this.#connection.agent.request(methods.agent.session.setConfigOption, { sessionId: session.id, configId: session.modelOption!.configId, value }));
    session.model = model;
  }

  prompt(session: AcpSession, text: string): Promise<PromptResponse> {
    return this.#call(() => this.#connection.agent.request(methods.agent.session.prompt, { sessionId: session.id, prompt: [{ type: 'text', text }] }));
  }

  cancel(session: AcpSession): void {
    this.#connection.agent.notify(methods.agent.session.cancel, { sessionId: session.id }).catch(() => {});
  }

  /** Kills the whole process group. */
  close(): void {
    this.#connection.close();
    this.#process.kill();
  }

  #initialize(): Promise<{ loadSession: boolean }> {
    this.#initialized ??= this.#call(() =>
      this.#connection.agent.request(methods.agent.initialize, { protocolVersion: PROTOCOL_VERSION, clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false }, clientInfo: { name: 'confab', version: '0' } }),
    ).then((response) => ({ loadSession: response.agentCapabilities?.loadSession === true }));
    return this.#initialized;
  }

  async #opened(id: string, cwd: string, response: Pick<NewSessionResponse, 'configOptions' | 'modes'>, lostReason: string | undefined, costTotal: number | undefined): Promise<AcpSession> {
    const option = response.configOptions?.find((candidate) => candidate.category === 'model' && candidate.type === 'select');
    const values = option && option.type === 'select' ? option.options.flatMap((entry) => ('value' in entry ? [entry.value] : entry.options.map((grouped) => grouped.value))) : [];
    const session: AcpSession = { id, cwd, lostReason, model: '', costTotal, modelOption: option ? { configId: option.id, values } : undefined };
    const mode = this.#settings.sessionMode;
    if (mode !== undefined && response.modes?.currentModeId !== mode) {
      await this.#call(() => this.#connection.agent.request(methods.agent.session.setMode, { sessionId: id, modeId: mode }));
    }
    this.session = session;
    return session;
  }

  #permission(request: RequestPermissionRequest): Promise<RequestPermissionResponse> {
    const sink = this.sink;
    if (!sink || request.sessionId !== this.session?.id) return Promise.resolve({ outcome: { outcome: 'cancelled' } });
    return new Promise((resolve) => {
      sink.permission(request, (answer) => resolve({ outcome: chooseOption(request, answer) }));
    });
  }

  /** A request to the agent; a dead process turns into the reason it died. */
  async #call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (!this.alive) {
        await Promise.race([this.#process.exited, new Promise((resolve) => setTimeout(resolve, 200))]);
        throw this.failure();
      }
      throw new UpstreamError({ code: 'server', message: `The ${this.#settings.name} agent refused a request: ${messageOf(error)}`, retryable: false, cause: error });
    }
  }
}

/**
 * The option to answer with. Allowing picks "allow once" even for an "always" answer: Confab
 * remembers "always" per conversation itself, while an agent's own "always" may outlive the
 * conversation (Claude Code writes it into the project's settings).
 */
function chooseOption(request: RequestPermissionRequest, answer: PermissionAnswer): RequestPermissionResponse['outcome'] {
  if (answer === 'cancel') return { outcome: 'cancelled' };
  const kinds = answer === 'allow' ? ['allow_once', 'allow_always'] : ['reject_once', 'reject_always'];
  for (const kind of kinds) {
    const option = request.options.find((candidate) => candidate.kind === kind);
    if (option) return { outcome: 'selected', optionId: option.optionId };
  }
  return { outcome: 'cancelled' };
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown })?.message;
  return typeof message === 'string' ? message.slice(0, 300) : 'unknown error';
}
