import type { PlanEntry } from '../../domain/schemas.ts';

/** The tools Claude Code keeps its to-do list with: shown as the plan, not as tool calls. */
export const planTools: ReadonlySet<string> = new Set(['TodoWrite', 'TaskCreate', 'TaskUpdate', 'TaskList', 'TaskGet']);

/**
 * Claude Code's to-do list for one session, as Confab shows it (a plan part). Claude Code 2.1 keeps
 * tasks (`TaskCreate`, `TaskUpdate`, `TaskList`, each changing one list the session holds); earlier
 * versions sent the whole list with every `TodoWrite`. Both are followed from the calls' results.
 */
export class ClaudePlan {
  readonly #tasks = new Map<string, PlanEntry>();

  /** The plan after a plan tool's successful call, or undefined when the call changed nothing. */
  apply(name: string, input: any, result: any): PlanEntry[] | undefined {
    switch (name) {
      case 'TodoWrite':
        return asArray(result?.newTodos ?? input?.todos).map((todo) => entry(todo?.content, todo?.status));
      case 'TaskCreate': {
        const id = result?.task?.id;
        if (typeof id !== 'string') return undefined;
        this.#tasks.set(id, entry(result.task.subject ?? input?.subject, 'pending'));
        return this.#entries();
      }
      case 'TaskUpdate': {
        const id = typeof input?.taskId === 'string' ? input.taskId : undefined;
        if (id === undefined || result?.success === false) return undefined;
        const status = result?.statusChange?.to ?? input.status;
        if (status === 'deleted') this.#tasks.delete(id);
        else {
          const known = this.#tasks.get(id);
          this.#tasks.set(id, entry(input.subject ?? known?.content ?? `#${id}`, status ?? known?.status));
        }
        return this.#entries();
      }
      case 'TaskList':
        if (!Array.isArray(result?.tasks)) return undefined;
        this.#tasks.clear();
        for (const task of result.tasks) if (typeof task?.id === 'string') this.#tasks.set(task.id, entry(task.subject, task.status));
        return this.#entries();
      default:
        return undefined;
    }
  }

  #entries(): PlanEntry[] {
    return [...this.#tasks.entries()].sort(([a], [b]) => Number(a) - Number(b) || a.localeCompare(b)).map(([, task]) => task);
  }
}

function entry(content: unknown, status: unknown): PlanEntry {
  return { content: String(content ?? ''), status: status === 'in_progress' || status === 'completed' ? status : 'pending' };
}

function asArray(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}
