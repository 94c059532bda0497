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
});
