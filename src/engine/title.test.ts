import assert from 'node:assert/strict';
import { it } from 'node:test';
import { titleFromMessage, titleFromModelReply } from './title.ts';

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

it('takes a title model\'s answer without its label, quotes, emphasis or final full stop', () => {
  assert.equal(titleFromModelReply('Title: "Fixing the login bug."\n\nThis conversation is about…'), 'Fixing the login bug');
  assert.equal(titleFromModelReply('## **Nginx config location**'), 'Nginx config location');
  assert.equal(titleFromModelReply('  “Quinces in autumn”  '), 'Quinces in autumn');
  assert.equal(titleFromModelReply('Version 2.0'), 'Version 2.0');
});

it('leaves nothing of an answer with no words, and cuts a long one like a message title', () => {
  assert.equal(titleFromModelReply('\n  ""  \n'), '');
  assert.equal(titleFromModelReply('word '.repeat(40)).length <= 60, true);
});
