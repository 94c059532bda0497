import { after, afterEach } from 'node:test';
import { connectTestRedis } from '../redis/redis-test-connection.ts';
import { MemoryRunControl } from './memory-run-control.ts';
import { RedisRunControl } from './redis-run-control.ts';
import { runSelectedContracts } from '../../util/contract-selection.ts';
import { runRunControlContract, type RunControlFactory } from './run-control-contract.ts';

/**
 * Runs the RunControl contract over the implementations named in CONFAB_TEST_CONTROLS (default
 * `memory,redis`; `redis` is skipped with a note when no Redis answers, unless CI is set or it was
 * named explicitly).
 */
const implementations: Record<string, () => Promise<RunControlFactory | string>> = {
  memory: async () => () => new MemoryRunControl(),
  redis: async () => {
    const redis = await connectTestRedis();
    if (typeof redis === 'string') return redis;
    const controls: RedisRunControl[] = [];
    afterEach(() => controls.splice(0).forEach((control) => control.close()));
    after(() => redis.close());
    return () => {
      const control = new RedisRunControl({ redis: redis.commands, subscriber: redis.subscriber, keyPrefix: redis.prefix });
      controls.push(control);
      return control;
    };
  },
};
await runSelectedContracts({ variable: 'CONFAB_TEST_CONTROLS', contract: 'RunControl contract', defaults: ['memory', 'redis'], implementations, run: runRunControlContract });
