import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { eventDefinitions } from './definitions.ts';
import { renderEventsDoc } from './events-doc.ts';

it('docs/events.md is generated from the definitions and up to date (run `npm run docs:events`)', () => {
  const committed = readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8');
  assert.equal(committed, renderEventsDoc());
  for (const definition of eventDefinitions) assert.match(committed, new RegExp('`' + definition.type + '`'));
});
