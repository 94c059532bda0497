import assert from 'node:assert/strict';
import { it } from 'node:test';
import { activeBranch, branchTree, pathTo, siblingsOf } from './branches.ts';

const m = (id: string, parentId?: string | null) => (parentId === undefined ? { id } : { id, parentId });
const ids = (messages: { id: string }[]) => messages.map((message) => message.id);

it('reads a list written before branches existed as one chain', () => {
  const messages = [m('u1'), m('a1'), m('u2'), m('a2')];
  assert.deepEqual(ids(activeBranch(messages)), ['u1', 'a1', 'u2', 'a2']);
  assert.deepEqual(ids(pathTo(messages, 'u2')), ['u1', 'a1', 'u2']);
});

it('shows the newest reply below a message unless another one is chosen', () => {
  // u1 → a1, and a regenerated a1b beside it; then u2 after a1b.
  const messages = [m('u1', null), m('a1', 'u1'), m('a1b', 'u1'), m('u2', 'a1b')];
  assert.deepEqual(ids(activeBranch(messages)), ['u1', 'a1b', 'u2']);
  assert.deepEqual(ids(activeBranch(messages, 'a1')), ['u1', 'a1']);
  assert.deepEqual(ids(activeBranch(messages, 'u1')), ['u1', 'a1b', 'u2']);
  assert.deepEqual(ids(activeBranch(messages, 'missing')), ['u1', 'a1b', 'u2']);
});

it('treats an edited first message as a second root', () => {
  const messages = [m('u1', null), m('a1', 'u1'), m('u1b', null), m('a1c', 'u1b')];
  assert.deepEqual(ids(activeBranch(messages)), ['u1b', 'a1c']);
  assert.deepEqual(ids(activeBranch(messages, 'a1')), ['u1', 'a1']);
  const tree = branchTree(messages);
  assert.deepEqual({ ...siblingsOf('u1', tree), siblings: ids(siblingsOf('u1', tree).siblings) }, { siblings: ['u1', 'u1b'], index: 0 });
  assert.equal(siblingsOf('a1c', tree).siblings.length, 1);
});

it('stops at a parent cycle in damaged data', () => {
  const messages = [m('x', 'y'), m('y', 'x')];
  assert.equal(pathTo(messages, 'x').length, 2);
  assert.deepEqual(activeBranch(messages), []);
});
