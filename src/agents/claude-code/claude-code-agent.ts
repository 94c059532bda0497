import { randomUUID } from 'node:crypto';
import type { StreamPart } from '../../providers/stream-part.ts';
import type { AgentSource, AgentTurnRequest } from '../agent-source.ts';
import type { AgentProviderSettings } from '../agent-config.ts';
import { ProcessPool } from '../process-pool.ts';
import { driveAgentTurn, type AgentTurnDriver, type TurnControl } from '../turn-driver.ts';
import { ClaudeProcess } from './claude-process.ts';
import { loadClaudeSdk, type ClaudeSdk } from './claude-sdk.ts';
import { ClaudeTurnMapper } from './claude-turn-mapper.ts';

/**
 * Claude Code (`type: "claude-code"`) through its documented host interface, the Claude Agent SDK,
 * pointed at the installed `claude` (the provider's `command`). Each conversation's session lives in
 * its own Claude Code process (a streaming-input `query()`), kept between turns and closed when
 * idle; after a restart the session is resumed by id (`resume`, from Claude Code's session files).
 * Stop is the SDK's `interrupt()`; a process that does not end its turn within `stopGraceMs` is
 * killed with its process group. A model switch starts the next turn in a new process that resumes
 * the session with the new model.
 */
export class ClaudeCodeAgent implements AgentSource {
  readonly kind = 'agent' as const;
  readonly #settings: AgentProviderSettings;
  readonly #pool: ProcessPool<ClaudeProcess>;
  readonly #load: (sdkPath: string | undefined) => Promise<ClaudeSdk>;
  #sdk: Promise<ClaudeSdk> | undefined;

  constructor(settings: AgentProviderSettings, options: { loadSdk?: (sdkPath: string | undefined) => Promise<ClaudeSdk> } = {}) {
    this.#settings = settings;
    this.#pool = new ProcessPool({ max: settings.maxProcesses, idleTimeoutMs: settings.idleTimeoutMs, label: settings.name });
    this.#load = options.loadSdk ?? loadClaudeSdk;
  }

  async *turn(request: AgentTurnRequest): AsyncIterable<StreamPart> {
    request.signal.throwIfAborted();
    // Loaded on the first turn only: Confab does not need the SDK unless a claude-code provider runs.
    const loading = (this.#sdk ??= this.#load(this.#settings.sdkPath));
    loading.catch(() => (this.#sdk = undefined));
    const sdk = await loading;
    yield* driveAgentTurn(request, this.#settings.stopGraceMs, () => this.#driver(sdk, request));
  }

  close(): void {
    this.#pool.closeAll();
  }

  #spawn(sdk: ClaudeSdk, request: AgentTurnRequest, resume: string | null): ClaudeProcess {
    return new ClaudeProcess(sdk, this.#settings, { cwd: request.cwd, model: request.model, system: request.system, session: resume === null ? { id: randomUUID() } : { resume } });
  }

  #driver(sdk: ClaudeSdk, request: AgentTurnRequest): AgentTurnDriver {
    const resume = request.resumeSessionId;
    let lease = this.#pool.acquire(resume, () => this.#spawn(sdk, request, resume));
    // A process started for another model or directory is closed: a new one resumes the session.
    if (lease.reused && (lease.process.model !== request.model || lease.process.cwd !== request.cwd)) {
      lease.release(null);
      lease = this.#pool.acquire(resume, () => this.#spawn(sdk, request, resume));
    }
    let interrupted = false;
    return {
      get process() {
        return lease.process;
      },
      open: async () => {
        const { lost } = await lease.process.open();
        if (lost === undefined) return { sessionId: lease.process.sessionId, lostReason: undefined };
        lease.release(null);
        lease = this.#pool.acquire(null, () => this.#spawn(sdk, request, null));
        await lease.process.open();
        return { sessionId: lease.process.sessionId, lostReason: `Claude Code could not resume it: ${lost}` };
      },
      start: async (turn: TurnControl) => {
        const agent = lease.process;
        const mapper = new ClaudeTurnMapper({ plan: agent.plan, costBefore: agent.costTotal, interrupted: () => interrupted });
        agent.sink = {
          message: (message) => {
            const { parts, done } = mapper.message(message);
            turn.push(...parts);
            if (!done) return;
            agent.costTotal = mapper.costTotal;
            if (done === 'failed') turn.fail(mapper.failure());
            else turn.end();
          },
          permission: ({ toolUseId, toolName, input, withdrawn }, answer) => turn.ask(answer, (once) => mapper.permission(toolUseId, toolName, input, once, withdrawn)),
        };
        agent.send(request.prompt);
      },
      interrupt: () => {
        interrupted = true;
        lease.process.interrupt();
      },
      release: () => {
        const agent = lease.process;
        agent.sink = undefined;
        lease.release(agent.alive ? agent.sessionId : null);
      },
    };
  }
}
