import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseApprovalAnswer } from './approval-answer.ts';

test('an approval answer is its first word, with the rest of the line as the note', () => {
  assert.deepEqual(parseApprovalAnswer('y'), { decision: 'allow-once' });
  assert.deepEqual(parseApprovalAnswer(' Yes '), { decision: 'allow-once' });
  assert.deepEqual(parseApprovalAnswer('a'), { decision: 'allow-always' });
  assert.deepEqual(parseApprovalAnswer('n not that file'), { decision: 'deny', note: 'not that file' });
  assert.deepEqual(parseApprovalAnswer('NEVER  ever\tagain '), { decision: 'deny-always', note: 'ever\tagain' });
  for (const other of ['', '   ', 'maybe', 'yep', '/stop']) assert.equal(parseApprovalAnswer(other), undefined, other);
});
