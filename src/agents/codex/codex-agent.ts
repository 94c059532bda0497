import type { PermissionAnswer, StreamPart } from '../../providers/stream-part.ts';
import type { AgentSource, AgentTurnRequest } from '../agent-source.ts';
import type { AgentProviderSettings } from '../agent-config.ts';
import { PartQueue } from '../part-queue.ts';
import { ProcessPool } from '../process-pool.ts';
import { lostSessionNotice } from '../session-notice.ts';
import { raceAbort } from '../race-abort.ts';
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

  async *turn(request: AgentTurnRequest): AsyncIterable<StreamPart> {
    const { signal } = request;
    signal.throwIfAborted();
    const lease = this.#pool.acquire(request.resumeSessionId, () => new CodexProcess(this.#settings, request.cwd));
    const agent = lease.process;
    let thread: CodexThread | undefined;
    let turnId: string | undefined;
    let turnOver = true;
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const pending = new Set<(answer: PermissionAnswer) => void>();
    const interrupt = () => {
      if (thread && turnId !== undefined && !turnOver) agent.interrupt(thread, turnId);
      for (const answer of [...pending]) answer('cancel');
      killTimer ??= setTimeout(() => agent.close(), this.#settings.stopGraceMs);
    };
    signal.addEventListener('abort', interrupt, { once: true });
    const queue = new PartQueue();
    let endTurn!: () => void;
    const turnEnded = new Promise<void>((resolve) => (endTurn = resolve));
    try {
      const reusable = lease.reused && agent.thread?.id === request.resumeSessionId && agent.thread.cwd === request.cwd;
      thread = reusable ? agent.thread! : await raceAbort(agent.open(request.cwd, request.resumeSessionId, request.system), signal);
      const parts: StreamPart[] = [{ type: 'agent-session', sessionId: thread.id }];
      if (thread.lostReason !== undefined && request.resumeSessionId !== null) {
        parts.push(...lostSessionNotice(request.resumeSessionId, thread.lostReason));
        thread.lostReason = undefined;
      }
      yield* parts;

      const mapper = new CodexTurnMapper({ tokensBefore: thread.tokenTotal, turnId: () => turnId });
      turnOver = false;
      agent.sink = {
        notification: (method, params) => {
          const { parts: mapped, done } = mapper.notification(method, params);
          queue.push(...mapped);
          if (!done) return;
          turnOver = true;
          endTurn();
          if (done === 'failed') queue.fail(mapper.failure());
          else queue.end(...mapper.finish());
        },
        approval: (_method, params) =>
          new Promise((resolve) => {
            const once = (answer: PermissionAnswer) => {
              if (!pending.delete(once)) return;
              resolve({ decision: decisions[answer] });
            };
            pending.add(once);
            if (signal.aborted) return once('cancel');
            queue.push(...mapper.approval(params, once, agent.gone));
          }),
      };
      const gone = () => queue.fail(agent.failure());
      agent.gone.addEventListener('abort', gone, { once: true });
      try {
        turnId = await agent.startTurn(thread, request.prompt, request.model);
        if (signal.aborted) interrupt();
        const [steerThread, steerTurn] = [thread, turnId];
        queue.push({ type: 'steer-ready', steer: (message) => (turnOver ? Promise.reject(new Error('the turn is over')) : agent.steer(steerThread, steerTurn, message.messageId, message.prompt)) });
        for await (const part of queue) yield part;
      } finally {
        agent.gone.removeEventListener('abort', gone);
      }
      signal.throwIfAborted();
    } catch (error) {
      if (turnId === undefined) turnOver = true;
      throw error;
    } finally {
      signal.removeEventListener('abort', interrupt);
      for (const answer of [...pending]) answer('cancel');
      if (!turnOver && agent.alive) {
        // Left before Codex ended its turn (a stop, or the run loop gave up): let it wind down.
        interrupt();
        await Promise.race([turnEnded, agent.exited]);
      }
      clearTimeout(killTimer);
      agent.sink = undefined;
      lease.release(agent.alive ? (thread?.id ?? null) : null);
    }
  }

  close(): void {
    this.#pool.closeAll();
  }
}
