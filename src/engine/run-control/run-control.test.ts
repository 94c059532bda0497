import { after, afterEach, it } from 'node:test';
import { connectTestRedis } from '../redis/redis-test-connection.ts';
import { MemoryRunControl } from './memory-run-control.ts';
import { RedisRunControl } from './redis-run-control.ts';
import { runRunControlContract, type RunControlFactory } from './run-control-contract.ts';

/**
 * Runs the RunControl contract over the implementations named in CONFAB_TEST_CONTROLS (default
 * `memory,redis`; `redis` is skipped with a note when no Redis answers, unless CI is set or it was
 * named explicitly).
 */
const factories: Record<string, RunControlFactory> = {
  memory: () => new MemoryRunControl(),
};
const lazyFactories: Record<string, () => Promise<RunControlFactory | string>> = {
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

const named = process.env.CONFAB_TEST_CONTROLS;
const selected = (named ?? 'memory,redis').split(',').map((name) => name.trim()).filter((name) => name !== '');
const known = [...Object.keys(factories), ...Object.keys(lazyFactories)];
const unknown = selected.filter((name) => !known.includes(name));
if (unknown.length > 0) throw new Error(`CONFAB_TEST_CONTROLS names unknown implementations: ${unknown.join(', ')} (known: ${known.join(', ')})`);
for (const name of selected) {
  const factory = Object.hasOwn(factories, name) ? factories[name]! : await lazyFactories[name]!();
  if (typeof factory !== 'string') runRunControlContract(name, factory);
  else if (named !== undefined) throw new Error(`CONFAB_TEST_CONTROLS names ${name}, but ${factory}`);
  else it(`RunControl contract: ${name}`, { skip: factory }, () => {});
}
