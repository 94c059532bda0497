/** Structured logging, injected. The default writes JSON lines to stderr. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

export function createConsoleLogger(options: { level?: 'info' | 'warn' | 'error' } = {}): Logger {
  const order = { info: 0, warn: 1, error: 2 };
  const min = order[options.level ?? 'info'];
  const write = (level: 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) => {
    if (order[level] < min) return;
    const line: Record<string, unknown> = { level, time: new Date().toISOString(), message };
    for (const [key, value] of Object.entries(fields ?? {})) {
      line[key] = value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
    }
    process.stderr.write(JSON.stringify(line) + '\n');
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
