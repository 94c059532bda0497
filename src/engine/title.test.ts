import assert from 'node:assert/strict';
import { it } from 'node:test';
import { titleFromMessage } from './title.ts';

it('takes the first non-empty line', () => {
  assert.equal(titleFromMessage('\n\n  Fix the login bug  \nmore detail'), 'Fix the login bug');
});

it('cuts long lines on a word boundary to at most 60 characters', () => {
  const title = titleFromMessage('Please refactor the authentication middleware so that it validates tokens lazily');
  assert.equal(title, 'Please refactor the authentication middleware so that it…');
  assert.ok(title.length <= 60);
});

it('cuts a single long word hard', () => {
  const title = titleFromMessage('x'.repeat(100));
  assert.equal(title.length, 60);
  assert.ok(title.endsWith('…'));
});
