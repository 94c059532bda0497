import type { PermissionAnswer, StreamPart } from '../../providers/stream-part.ts';
import { UpstreamError } from '../../providers/upstream-error.ts';
import type { AgentSource, AgentTurnRequest } from '../agent-source.ts';
import type { AgentProviderSettings } from '../agent-config.ts';
import { driveAgentTurn, type AgentTurnDriver, type TurnControl } from '../turn-driver.ts';
import { freePort } from '../../util/free-port.ts';
import { OpenCodeServer } from './opencode-server.ts';
import { OpenCodeTurnMapper } from './opencode-turn-mapper.ts';

const replies: Record<PermissionAnswer, string> = { allow: 'once', deny: 'reject', cancel: 'reject' };

/**
 * Every session Confab creates asks before shell commands and edits; reads run by themselves. Its
 * `question` tool (a question to the user, with options) is denied, so OpenCode does not offer it:
 * Confab cannot put such a question to a person (docs/agents.md, "Questions agents ask"), and an
 * unanswered one would hold the turn until a stop.
 */
const sessionPermission = [
  { permission: 'bash', pattern: '*', action: 'ask' },
  { permission: 'edit', pattern: '*', action: 'ask' },
  { permission: 'question', pattern: '*', action: 'deny' },
];

/**
 * OpenCode (`type: "opencode"`) through its host interface: ONE `opencode serve` per provider,
 * shared by every conversation (it takes ~20 s to start), started on the first turn and closed
 * after `idleTimeoutMs` with no turn. One OpenCode session per conversation, in the project's
 * directory; it survives restarts (OpenCode stores it). Stop is `POST /session/:id/abort`.
 */
export class OpenCodeAgent implements AgentSource {
  readonly kind = 'agent' as const;
  readonly #settings: AgentProviderSettings;
  #server: OpenCodeServer | undefined;
  #starting: Promise<OpenCodeServer> | undefined;
  #turns = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(settings: AgentProviderSettings) {
    this.#settings = settings;
  }

  turn(request: AgentTurnRequest): AsyncIterable<StreamPart> {
    return driveAgentTurn(request, this.#settings.stopGraceMs, () => this.#driver(request));
  }

  #driver(request: AgentTurnRequest): AgentTurnDriver {
    if (this.#turns >= this.#settings.maxProcesses) {
      throw new UpstreamError({ code: 'rate_limit', message: `${this.#settings.maxProcesses} ${this.#settings.name} turns are running; try again when one ends.`, retryable: true });
    }
    this.#turns++;
    clearTimeout(this.#idleTimer);
    const { cwd } = request;
    let server: OpenCodeServer | undefined;
    let sessionId: string | undefined;
    let unlisten = () => {};
    return {
      // A kill after a stop takes the shared server: every conversation's turn on it fails, the next starts a new one.
      get process() {
        return server;
      },
      open: async () => {
        server = await this.#ensureServer(cwd);
        if (request.resumeSessionId !== null && (await server.call('GET', `/session/${request.resumeSessionId}`, cwd)) !== null) {
          sessionId = request.resumeSessionId;
          return { sessionId, lostReason: undefined };
        }
        const created = await server.call('POST', '/session', cwd, { permission: sessionPermission });
        sessionId = String(created.id);
        return { sessionId, lostReason: request.resumeSessionId === null ? undefined : 'OpenCode no longer has it' };
      },
      start: async (turn: TurnControl) => {
        const active = server!;
        const mapper = new OpenCodeTurnMapper();
        let busy = false;
        unlisten = active.listen(sessionId!, (event) => {
          if (event.type === 'permission.asked') return turn.ask((answer) => reply(active, event.properties.id, cwd, answer), (once) => mapper.permission(event.properties, once, active.gone));
          if (event.type === 'session.status' && event.properties.status?.type === 'busy') busy = true;
          if (event.type === 'session.error' && event.properties.error?.name !== 'MessageAbortedError') {
            return turn.fail(new UpstreamError({ code: 'server', message: `OpenCode failed the turn: ${String(event.properties.error?.data?.message ?? event.properties.error?.name ?? 'no reason given').slice(0, 300)}`, retryable: false }));
          }
          if (event.type === 'session.idle' && busy) return turn.end(...mapper.finish());
          turn.push(...mapper.event(event));
        });
        const model = this.#modelOf(request.model);
        await active.call('POST', `/session/${sessionId}/prompt_async`, cwd, { parts: [{ type: 'text', text: request.prompt }], ...(model ? { model } : {}), ...(request.system === '' ? {} : { system: request.system }) });
      },
      interrupt: () => {
        server!.call('POST', `/session/${sessionId}/abort`, cwd).catch(() => {});
      },
      release: () => {
        unlisten();
        this.#turns--;
        if (this.#turns === 0) {
          this.#idleTimer = setTimeout(() => this.close(), this.#settings.idleTimeoutMs);
          this.#idleTimer.unref?.();
        }
      },
    };
  }

  close(): void {
    clearTimeout(this.#idleTimer);
    this.#server?.close();
    this.#server = undefined;
    this.#starting = undefined;
  }

  /** `providerID/modelID` for OpenCode; '' (the agent's default) leaves the session's model. */
  #modelOf(model: string): { providerID: string; modelID: string } | undefined {
    if (model === '') return undefined;
    const slash = model.indexOf('/');
    if (slash <= 0) throw new UpstreamError({ code: 'bad_request', message: `OpenCode models are named <provider>/<model>: use ${this.#settings.name}/<provider>/<model>, not ${this.#settings.name}/${model}.`, retryable: false });
    return { providerID: model.slice(0, slash), modelID: model.slice(slash + 1) };
  }

  /** The shared server, started once; a dead one is replaced. */
  async #ensureServer(cwd: string): Promise<OpenCodeServer> {
    if (this.#server && !this.#server.alive) this.close();
    this.#starting ??= (async () => {
      const server = new OpenCodeServer(this.#settings, await freePort(), cwd);
      this.#server = server;
      await server.ready;
      return server;
    })();
    const starting = this.#starting;
    try {
      return await starting;
    } catch (error) {
      if (this.#starting === starting) this.close();
      throw error;
    }
  }
}

/** The answer to a permission request goes to `POST /permission/:id/reply`. */
function reply(server: OpenCodeServer, permissionId: string, cwd: string, answer: PermissionAnswer): void {
  server.call('POST', `/permission/${permissionId}/reply`, cwd, { reply: replies[answer] }).catch(() => {});
}
