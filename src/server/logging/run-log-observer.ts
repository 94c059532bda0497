import type { Run } from '../../domain/schemas.ts';
import type { EngineObserver } from '../../engine/engine-observer.ts';
import type { Logger } from '../../util/logger.ts';

const ends = new Set(['run-completed', 'run-stopped', 'run-failed', 'run-interrupted']);

/**
 * Info lines for each run's start and end, from the events the engine appends: ids, model,
 * status, finish reason, token counts, attempts, steps, the error's code. Never the run's text,
 * and not its error message either (a provider's message may quote the request).
 */
export function runLogObserver(logger: Logger): EngineObserver {
  return {
    eventsAppended(events) {
      for (const event of events) {
        if (event.type !== 'run-started' && !ends.has(event.type)) continue;
        const { run } = event.data as { run: Run };
        const ids = { conversationId: event.conversationId, runId: run.id };
        if (event.type === 'run-started') {
          logger.info('run started', { ...ids, model: run.model, trigger: run.trigger });
          continue;
        }
        logger.info('run ended', {
          ...ids,
          status: run.status,
          finishReason: run.finishReason,
          inputTokens: run.usage.inputTokens,
          outputTokens: run.usage.outputTokens,
          attempts: run.attempts,
          steps: run.steps,
          ...(run.error ? { errorCode: run.error.code } : {}),
          ...(run.startedAt !== null && run.endedAt !== null ? { durationMs: run.endedAt - run.startedAt } : {}),
        });
      }
    },
  };
}
