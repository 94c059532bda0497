/**
 * Structured logging, injected. One line per call: a message and fields. The server's logger is
 * pino writing JSON lines to stderr (`pino-logger.ts`); tests and libraries default to silence.
 * Fields must never carry secrets or conversation text: the pino logger also strips them by key
 * (`log-fields.ts`), but a call site that never passes them is the first defence.
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const logLevels = ['info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** A logger that adds `bound` to every line (a request id; a conversation and run id), under the line's own fields. */
export function withFields(logger: Logger, bound: Record<string, unknown>): Logger {
  if (logger === silentLogger) return logger;
  const merge = (fields?: Record<string, unknown>) => (fields ? { ...bound, ...fields } : bound);
  return {
    info: (message, fields) => logger.info(message, merge(fields)),
    warn: (message, fields) => logger.warn(message, merge(fields)),
    error: (message, fields) => logger.error(message, merge(fields)),
  };
}
