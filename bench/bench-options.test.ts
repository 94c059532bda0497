import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBenchOptions, scenarioNames } from './bench-options.ts';

describe('bench options', () => {
  it('the default run leaves out the opt-in agent-overhead scenario; --only names it', () => {
    assert.deepEqual(parseBenchOptions([]).scenarios, [...scenarioNames]);
    assert.equal(parseBenchOptions([]).scenarios.includes('agent-overhead'), false);
    assert.deepEqual(parseBenchOptions(['--only', 'agent-overhead']).scenarios, ['agent-overhead']);
    assert.deepEqual(parseBenchOptions(['--quick', '--only', 'overhead,agent-overhead']).params.agentOverhead, { sends: 5 });
  });

  it('an unknown scenario is refused, naming every one there is', () => {
    assert.throws(() => parseBenchOptions(['--only', 'agents']), /unknown scenario "agents"; choose from capacity, .*startup, agent-overhead/);
  });

  it('--steps replaces the capacity steps of the mode and turns refinement off; anything but positive whole numbers is refused', () => {
    const full = parseBenchOptions([]);
    assert.deepEqual([full.params.capacity.steps, full.params.capacity.refine], [[100, 250, 500, 1000, 2000], true]);
    const chosen = parseBenchOptions(['--steps', '100, 250']);
    assert.deepEqual([chosen.params.capacity.steps, chosen.params.capacity.refine, chosen.params.capacity.tokens], [[100, 250], false, full.params.capacity.tokens]);
    assert.deepEqual(parseBenchOptions(['--quick', '--steps', '30']).params.capacity.steps, [30]);
    for (const bad of ['', '0', '10,x', '2.5', '-5']) assert.throws(() => parseBenchOptions([`--steps=${bad}`]), /--steps takes positive whole numbers/, bad);
  });
});
