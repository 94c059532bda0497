import type { PermissionAnswer, StreamPart } from '../../providers/stream-part.ts';
import { UpstreamError } from '../../providers/upstream-error.ts';
import type { AgentSource, AgentTurnRequest } from '../agent-source.ts';
import type { AgentProviderSettings } from '../agent-config.ts';
import { PartQueue } from '../part-queue.ts';
import { raceAbort } from '../race-abort.ts';
import { lostSessionNotice } from '../session-notice.ts';
import { freePort } from '../../util/free-port.ts';
import { OpenCodeServer } from './opencode-server.ts';
import { OpenCodeTurnMapper } from './opencode-turn-mapper.ts';

const replies: Record<PermissionAnswer, string> = { allow: 'once', deny: 'reject', cancel: 'reject' };

/** Every session Confab creates asks before shell commands and edits; reads run by themselves. */
const sessionPermission = [
  { permission: 'bash', pattern: '*', action: 'ask' },
  { permission: 'edit', pattern: '*', action: 'ask' },
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

  async *turn(request: AgentTurnRequest): AsyncIterable<StreamPart> {
    const { signal } = request;
    signal.throwIfAborted();
    if (this.#turns >= this.#settings.maxProcesses) {
      throw new UpstreamError({ code: 'rate_limit', message: `${this.#settings.maxProcesses} ${this.#settings.name} turns are running; try again when one ends.`, retryable: true });
    }
    this.#turns++;
    clearTimeout(this.#idleTimer);
    let sessionId: string | undefined;
    let busy = false;
    let turnOver = true;
    let server: OpenCodeServer | undefined;
    const pending = new Set<(answer: PermissionAnswer) => void>();
    const queue = new PartQueue();
    let endTurn!: () => void;
    const turnEnded = new Promise<void>((resolve) => (endTurn = resolve));
    const abort = () => {
      for (const answer of [...pending]) answer('cancel');
      if (server && sessionId !== undefined && !turnOver) server.call('POST', `/session/${sessionId}/abort`, request.cwd).catch(() => {});
    };
    signal.addEventListener('abort', abort, { once: true });
    let unlisten = () => {};
    try {
      server = await raceAbort(this.#ensureServer(request.cwd), signal);
      const parts: StreamPart[] = [];
      if (request.resumeSessionId !== null && (await server.call('GET', `/session/${request.resumeSessionId}`, request.cwd)) !== null) {
        sessionId = request.resumeSessionId;
      } else {
        const created = await server.call('POST', '/session', request.cwd, { permission: sessionPermission });
        sessionId = String(created.id);
        if (request.resumeSessionId !== null) parts.push(...lostSessionNotice(request.resumeSessionId, 'OpenCode no longer has it'));
      }
      yield { type: 'agent-session', sessionId };
      yield* parts;

      const mapper = new OpenCodeTurnMapper();
      const active = server;
      const activeSession = sessionId;
      turnOver = false;
      unlisten = server.listen(sessionId, (event) => {
        if (event.type === 'permission.asked') return this.#ask(event.properties, active, request.cwd, pending, signal, (asked) => queue.push(...mapper.permission(event.properties, asked, active.gone)));
        if (event.type === 'session.status' && event.properties.status?.type === 'busy') busy = true;
        if (event.type === 'session.error' && event.properties.error?.name !== 'MessageAbortedError') {
          turnOver = true;
          endTurn();
          return queue.fail(new UpstreamError({ code: 'server', message: `OpenCode failed the turn: ${String(event.properties.error?.data?.message ?? event.properties.error?.name ?? 'no reason given').slice(0, 300)}`, retryable: false }));
        }
        if (event.type === 'session.idle' && busy) {
          turnOver = true;
          endTurn();
          return queue.end(...mapper.finish());
        }
        queue.push(...mapper.event(event));
      });
      const gone = () => queue.fail(active.process.failure());
      active.gone.addEventListener('abort', gone, { once: true });
      try {
        const model = this.#modelOf(request.model);
        await active.call('POST', `/session/${activeSession}/prompt_async`, request.cwd, { parts: [{ type: 'text', text: request.prompt }], ...(model ? { model } : {}), ...(request.system === '' ? {} : { system: request.system }) });
        if (signal.aborted) abort();
        for await (const part of queue) yield part;
      } finally {
        active.gone.removeEventListener('abort', gone);
      }
      signal.throwIfAborted();
    } finally {
      signal.removeEventListener('abort', abort);
      for (const answer of [...pending]) answer('cancel');
      if (!turnOver && server?.alive) {
        // Left before OpenCode ended its turn (a stop, or the run loop gave up): abort it and let it wind down.
        abort();
        const grace = new Promise((resolve) => setTimeout(resolve, this.#settings.stopGraceMs).unref?.());
        await Promise.race([turnEnded, server.process.exited, grace]);
        if (!turnOver) server.close();
      }
      unlisten();
      this.#turns--;
      if (this.#turns === 0) {
        this.#idleTimer = setTimeout(() => this.close(), this.#settings.idleTimeoutMs);
        this.#idleTimer.unref?.();
      }
    }
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

  #ask(properties: any, server: OpenCodeServer, cwd: string, pending: Set<(answer: PermissionAnswer) => void>, signal: AbortSignal, announce: (answer: (answer: PermissionAnswer) => void) => void): void {
    const once = (answer: PermissionAnswer) => {
      if (!pending.delete(once)) return;
      server.call('POST', `/permission/${properties.id}/reply`, cwd, { reply: replies[answer] }).catch(() => {});
    };
    pending.add(once);
    if (signal.aborted) return once('cancel');
    announce(once);
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
