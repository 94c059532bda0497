import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withFields, type LogLevel } from './logger.ts';
import { createPinoLogger } from './pino-logger.ts';

function capture(level: LogLevel) {
  const lines: string[] = [];
  const logger = createPinoLogger({ level, destination: { write: (line: string) => void lines.push(line) } });
  return { logger, lines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('createPinoLogger', () => {
  it('writes one JSON object per line: level word, ISO time, pid, hostname, msg, then the safe fields', () => {
    const { logger, lines } = capture('info');
    withFields(logger, { requestId: 'r1' }).info('request', { status: 200, authorization: 'Bearer x' });
    const [line] = lines();
    assert.deepEqual(Object.keys(line), ['level', 'time', 'pid', 'hostname', 'requestId', 'status', 'authorization', 'msg']);
    assert.equal(line.level, 'info');
    assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(line.pid, process.pid);
    assert.deepEqual([line.requestId, line.status, line.authorization, line.msg], ['r1', 200, '[redacted]', 'request']);
  });

  it('writes only lines at or above its level; silent writes none', () => {
    for (const [level, expected] of [['info', ['info', 'warn', 'error']], ['warn', ['warn', 'error']], ['error', ['error']], ['silent', []]] as const) {
      const { logger, lines } = capture(level);
      logger.info('a');
      logger.warn('b');
      logger.error('c');
      assert.deepEqual(lines().map((line) => line.level), expected, level);
    }
  });
});
