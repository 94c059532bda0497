import { pino, type DestinationStream } from 'pino';
import { safeFields } from './log-fields.ts';
import type { Logger, LogLevel } from './logger.ts';

export type PinoLoggerOptions = {
  /** Default `warn`. */
  level?: LogLevel;
  /** Default: stderr, written synchronously (a line logged just before exit is not lost). */
  destination?: DestinationStream;
};

/**
 * The Logger over pino: one JSON object per line with `level` (a word), `time` (ISO 8601), `pid`,
 * `hostname`, `msg`, then the line's fields, made safe first (`log-fields.ts`).
 */
export function createPinoLogger(options: PinoLoggerOptions = {}): Logger {
  const base = pino(
    {
      level: options.level ?? 'warn',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 2, sync: true }),
  );
  const write = (level: 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) => {
    if (base.isLevelEnabled(level)) base[level](safeFields(fields), message);
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
