import type { StreamPart } from '../../providers/stream-part.ts';
import { toUpstreamError } from '../../providers/upstream-error.ts';
import type { AgentSource, AgentTurnRequest } from '../agent-source.ts';
import type { AgentProviderSettings } from '../agent-config.ts';
import { ProcessPool } from '../process-pool.ts';
import { raceAbort } from '../race-abort.ts';
import { driveAgentTurn, type AgentTurnDriver, type TurnControl } from '../turn-driver.ts';
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

  turn(request: AgentTurnRequest): AsyncIterable<StreamPart> {
    return driveAgentTurn(request, this.#settings.stopGraceMs, () => this.#driver(request));
  }

  close(): void {
    this.#pool.closeAll();
  }

  #driver(request: AgentTurnRequest): AgentTurnDriver {
    const lease = this.#pool.acquire(request.resumeSessionId, () => new AcpProcess(this.#settings, request.cwd));
    const agent = lease.process;
    let session: AcpSession | undefined;
    let system = '';
    return {
      process: agent,
      async open() {
        if (lease.reused && agent.session?.id === request.resumeSessionId && agent.session.cwd === request.cwd) {
          session = agent.session;
        } else {
          const opened = await agent.open(request.cwd, request.resumeSessionId, request.system);
          session = opened.session;
          system = opened.system;
        }
        const lostReason = session.lostReason;
        session.lostReason = undefined;
        return { sessionId: session.id, lostReason };
      },
      async start(turn: TurnControl) {
        const active = session!;
        await raceAbort(agent.setModel(active, request.model), turn.signal);
        const mapper = new AcpTurnMapper({ costBefore: active.costTotal });
        agent.sink = {
          update: (update) => turn.push(...mapper.update(update)),
          permission: (permission, answer) => turn.ask(answer, (once) => mapper.permission(permission, once, agent.gone)),
        };
        // ACP has no system prompt: a new session's first prompt carries it.
        const text = system === '' ? request.prompt : `${system}\n\n${request.prompt}`;
        agent.prompt(active, text).then(
          (response) => {
            active.costTotal = mapper.costTotal;
            turn.end(...mapper.finish(response));
          },
          (error: unknown) => turn.fail(agent.alive ? toUpstreamError(error) : agent.failure()),
        );
      },
      interrupt: () => agent.cancel(session!),
      release() {
        agent.sink = undefined;
        lease.release(agent.alive ? (session?.id ?? null) : null);
      },
    };
  }
}
