import { MemoryRunControl } from './memory-run-control.ts';
import { runRunControlContract, type RunControlFactory } from './run-control-contract.ts';

/** Runs the RunControl contract over the implementations named in CONFAB_TEST_CONTROLS (default `memory`). */
const factories: Record<string, RunControlFactory> = {
  memory: () => new MemoryRunControl(),
};

const selected = (process.env.CONFAB_TEST_CONTROLS ?? 'memory').split(',').map((name) => name.trim()).filter((name) => name !== '');
const unknown = selected.filter((name) => !Object.hasOwn(factories, name));
if (unknown.length > 0) throw new Error(`CONFAB_TEST_CONTROLS names unknown implementations: ${unknown.join(', ')} (known: ${Object.keys(factories).join(', ')})`);
for (const name of selected) runRunControlContract(name, factories[name]!);
