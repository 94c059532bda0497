import type { PermissionAnswer, StreamPart } from '../../providers/stream-part.ts';
import type { AgentSource, AgentTurnRequest } from '../agent-source.ts';
import type { AgentProviderSettings } from '../agent-config.ts';
import { ProcessPool } from '../process-pool.ts';
import { driveAgentTurn, type AgentTurnDriver, type TurnControl } from '../turn-driver.ts';
import { CodexProcess, type CodexThread } from './codex-process.ts';
import { CodexTurnMapper } from './codex-turn-mapper.ts';

const decisions: Record<PermissionAnswer, string> = { allow: 'accept', deny: 'decline', cancel: 'cancel' };

/**
 * Codex (`type: "codex"`) through its host interface, `codex app-server`. Each conversation's
 * thread lives in its own app-server process, kept between turns and closed when idle; after a
 * restart the thread is resumed by id (`thread/resume`, from Codex's own session files). Stop is
 * `turn/interrupt`; a process that does not end its turn within `stopGraceMs` is killed.
 */
export class CodexAgent implements AgentSource {
  readonly kind = 'agent' as const;
  /** A message sent while a turn runs (`onBusy: "steer"`) is added to it with `turn/steer`. */
  readonly steering = true;
  readonly #settings: AgentProviderSettings;
  readonly #pool: ProcessPool<CodexProcess>;

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
    const lease = this.#pool.acquire(request.resumeSessionId, () => new CodexProcess(this.#settings, request.cwd));
    const agent = lease.process;
    let thread: CodexThread | undefined;
    let turnId: string | undefined;
    return {
      process: agent,
      async open() {
        const reusable = lease.reused && agent.thread?.id === request.resumeSessionId && agent.thread.cwd === request.cwd;
        thread = reusable ? agent.thread! : await agent.open(request.cwd, request.resumeSessionId, request.system);
        const lostReason = thread.lostReason;
        thread.lostReason = undefined;
        return { sessionId: thread.id, lostReason };
      },
      async start(turn: TurnControl) {
        const active = thread!;
        const mapper = new CodexTurnMapper({ tokensBefore: active.tokenTotal, turnId: () => turnId });
        let over = false;
        agent.sink = {
          notification: (method, params) => {
            const { parts, done } = mapper.notification(method, params);
            turn.push(...parts);
            if (!done) return;
            over = true;
            if (done === 'failed') turn.fail(mapper.failure());
            else turn.end(...mapper.finish());
          },
          approval: (_method, params) => new Promise((resolve) => turn.ask((answer) => resolve({ decision: decisions[answer] }), (once) => mapper.approval(params, once, agent.gone))),
        };
        const started = (turnId = await agent.startTurn(active, request.prompt, request.model));
        turn.push({ type: 'steer-ready', steer: (message) => (over ? Promise.reject(new Error('the turn is over')) : agent.steer(active, started, message.messageId, message.prompt)) });
      },
      interrupt: () => {
        if (turnId !== undefined) agent.interrupt(thread!, turnId);
      },
      release() {
        agent.sink = undefined;
        lease.release(agent.alive ? (thread?.id ?? null) : null);
      },
    };
  }
}
