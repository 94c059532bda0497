import type { PermissionAnswer, StreamPart } from '../../providers/stream-part.ts';
import { toUpstreamError } from '../../providers/upstream-error.ts';
import type { AgentSource, AgentTurnRequest } from '../agent-source.ts';
import type { AgentProviderSettings } from '../agent-config.ts';
import { PartQueue } from '../part-queue.ts';
import { ProcessPool } from '../process-pool.ts';
import { lostSessionNotice } from '../session-notice.ts';
import { raceAbort } from '../race-abort.ts';
import { AcpProcess, type AcpSession } from './acp-process.ts';
import { AcpTurnMapper } from './acp-turn-mapper.ts';

/**
 * Any agent that speaks ACP over stdio (`type: "acp"`), as a conversation backend. Each agent
 * session lives in its own process, kept between turns (so the next message goes to the same
 * session without reloading it) and closed when idle; after a restart the session is loaded by id.
 * Stop is `session/cancel`; a process that does not end its turn within `stopGraceMs` is killed.
 */
export class AcpAgent implements AgentSource {
  readonly kind = 'agent' as const;
  readonly #settings: AgentProviderSettings;
  readonly #pool: ProcessPool<AcpProcess>;

  constructor(settings: AgentProviderSettings) {
    this.#settings = settings;
    this.#pool = new ProcessPool({ max: settings.maxProcesses, idleTimeoutMs: settings.idleTimeoutMs, label: settings.name });
  }

  async *turn(request: AgentTurnRequest): AsyncIterable<StreamPart> {
    const { signal } = request;
    signal.throwIfAborted();
    const lease = this.#pool.acquire(request.resumeSessionId, () => new AcpProcess(this.#settings, request.cwd));
    const agent = lease.process;
    let session: AcpSession | undefined;
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    let prompting: Promise<unknown> | undefined;
    let turnOver = false;
    const pending = new Set<(answer: PermissionAnswer) => void>();
    const onAbort = () => {
      if (session) agent.cancel(session);
      // ACP: a client that cancels answers the agent's open permission requests `cancelled`.
      for (const answer of [...pending]) answer('cancel');
      killTimer ??= setTimeout(() => agent.close(), this.#settings.stopGraceMs);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const reusable = lease.reused && agent.session?.id === request.resumeSessionId && agent.session.cwd === request.cwd;
      let system = '';
      if (reusable) {
        session = agent.session!;
      } else {
        const opened = await raceAbort(agent.open(request.cwd, request.resumeSessionId, request.system), signal);
        session = opened.session;
        system = opened.system;
      }
      const parts: StreamPart[] = [{ type: 'agent-session', sessionId: session.id }];
      if (session.lostReason !== undefined && request.resumeSessionId !== null) {
        parts.push(...lostSessionNotice(request.resumeSessionId, session.lostReason));
        session.lostReason = undefined;
      }
      yield* parts;
      await raceAbort(agent.setModel(session, request.model), signal);

      const queue = new PartQueue();
      const mapper = new AcpTurnMapper({ costBefore: session.costTotal });
      agent.sink = {
        update: (update) => queue.push(...mapper.update(update)),
        permission: (permission, answer) => {
          const once = (decision: PermissionAnswer) => {
            if (!pending.delete(once)) return;
            answer(decision);
          };
          pending.add(once);
          if (signal.aborted) return once('cancel');
          queue.push(...mapper.permission(permission, once, agent.gone));
        },
      };
      const text = system === '' ? request.prompt : `${system}\n\n${request.prompt}`;
      const active = session;
      prompting = agent.prompt(active, text).then(
        (response) => {
          turnOver = true;
          active.costTotal = mapper.costTotal;
          queue.end(...mapper.finish(response));
        },
        (error: unknown) => {
          turnOver = true;
          queue.fail(agent.alive ? toUpstreamError(error) : agent.failure());
        },
      );
      for await (const part of queue) yield part;
      signal.throwIfAborted();
    } finally {
      signal.removeEventListener('abort', onAbort);
      for (const answer of [...pending]) answer('cancel');
      if (prompting && !turnOver && agent.alive) {
        // Left before the agent ended its turn (a stop, or the run loop gave up): let it wind down.
        agent.cancel(session!);
        killTimer ??= setTimeout(() => agent.close(), this.#settings.stopGraceMs);
      }
      await prompting;
      clearTimeout(killTimer);
      agent.sink = undefined;
      lease.release(agent.alive ? (session?.id ?? null) : null);
    }
  }

  close(): void {
    this.#pool.closeAll();
  }
}
