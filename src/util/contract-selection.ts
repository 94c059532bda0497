import { it } from 'node:test';

/**
 * Test support: runs a contract suite over the implementations an environment variable names
 * (`CONFAB_TEST_STORES=memory,postgres`), else over the defaults. An implementation whose service
 * is unreachable resolves to the reason: skipped with that note when it came from the defaults, a
 * failure when the variable named it (the helpers themselves fail under CI). An unknown name fails.
 *
 *   await runSelectedContracts({ variable: 'CONFAB_TEST_LOGS', contract: 'ConversationLog contract',
 *     defaults: ['memory', 'redis'], implementations: { memory: async () => factory, redis: … }, run: runEventLogContract });
 */
export async function runSelectedContracts<F>(options: {
  variable: string;
  contract: string;
  defaults: string[];
  /** Each resolves to its factory, or to why it cannot run here. */
  implementations: Record<string, () => Promise<F | string>>;
  run: (name: string, factory: F) => void;
}): Promise<void> {
  const { variable, contract, implementations } = options;
  const named = process.env[variable];
  const selected = named === undefined ? options.defaults : named.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const known = Object.keys(implementations);
  const unknown = selected.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new Error(`${variable} names unknown implementations: ${unknown.join(', ')} (known: ${known.join(', ')})`);
  for (const name of selected) {
    const factory = await implementations[name]!();
    if (typeof factory !== 'string') options.run(name, factory);
    else if (named !== undefined) throw new Error(`${variable} names ${name}, but ${factory}`);
    else it(`${contract}: ${name}`, { skip: factory }, () => {});
  }
}
