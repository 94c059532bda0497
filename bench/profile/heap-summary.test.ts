import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffHeaps, summarizeHeap } from './heap-summary.ts';

/** A snapshot in V8's layout: 3 fields per node (type, name, self_size). */
function snapshot(nodes: [string, string, number][]) {
  const kinds = ['hidden', 'array', 'string', 'object', 'code', 'closure'];
  const strings = [...new Set(nodes.map(([, name]) => name))];
  return {
    snapshot: { meta: { node_fields: ['type', 'name', 'self_size'], node_types: [kinds] as [string[]] } },
    nodes: nodes.flatMap(([kind, name, size]) => [kinds.indexOf(kind), strings.indexOf(name), size]),
    strings,
  };
}

test('a heap is summed by constructor for objects and closures, by kind otherwise; a diff is the growth, largest first', () => {
  const before = summarizeHeap(snapshot([['object', 'Event', 100], ['string', 'hello', 24], ['closure', 'emit', 32]]));
  const after = summarizeHeap(snapshot([['object', 'Event', 100], ['object', 'Event', 120], ['string', 'hello', 24], ['string', 'world', 40], ['array', '', 800]]));
  assert.deepEqual(after.get('Event'), { name: 'Event', count: 2, bytes: 220 });
  assert.deepEqual(after.get('(string)'), { name: '(string)', count: 2, bytes: 64 });
  assert.deepEqual(diffHeaps(after, before), [
    { name: '(array)', count: 1, bytes: 800 },
    { name: 'Event', count: 1, bytes: 120 },
    { name: '(string)', count: 1, bytes: 40 },
    { name: 'emit', count: -1, bytes: -32 },
  ]);
});
