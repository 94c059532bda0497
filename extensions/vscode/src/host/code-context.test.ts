import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { contextFromPick, contextRefusal, describeContext, labelPath } from './code-context.ts';

const pick = { documentPath: '/work/app/src/main.ts', folderPath: '/work/app', text: 'b\nc\n', startLine: 1, endLine: 3, endCharacter: 0, whole: false };

describe('code context', () => {
  test('a selection of whole lines (ending at the start of the next line) is labelled with exactly those lines, 1-based', () => {
    assert.deepEqual(contextFromPick(pick), { path: 'src/main.ts', content: 'b\nc\n', range: { start: 2, end: 3 } });
  });

  test('a selection ending inside a line includes that line; a one-line selection has start = end', () => {
    assert.deepEqual(contextFromPick({ ...pick, endLine: 3, endCharacter: 2 }).range, { start: 2, end: 4 });
    assert.deepEqual(contextFromPick({ ...pick, startLine: 4, endLine: 4, endCharacter: 5 }).range, { start: 5, end: 5 });
    assert.deepEqual(contextFromPick({ ...pick, startLine: 4, endLine: 4, endCharacter: 0 }).range, { start: 5, end: 5 });
  });

  test('the whole file has no range', () => {
    assert.deepEqual(contextFromPick({ ...pick, whole: true, text: 'all' }), { path: 'src/main.ts', content: 'all' });
  });

  test('paths are relative to the project folder with forward slashes; outside it, the full path', () => {
    assert.equal(labelPath('C:\\work\\app\\src\\a.ts', 'C:\\work\\app\\'), 'src/a.ts');
    assert.equal(labelPath('/elsewhere/a.ts', '/work/app'), '/elsewhere/a.ts');
    assert.equal(labelPath('/work/application/a.ts', '/work/app'), '/work/application/a.ts');
    assert.equal(labelPath('/work/app/a.ts', null), '/work/app/a.ts');
  });

  test('describeContext names the file and its lines', () => {
    assert.equal(describeContext({ path: 'a.ts', range: { start: 3, end: 7 } }), 'a.ts, lines 3–7');
    assert.equal(describeContext({ path: 'a.ts', range: { start: 3, end: 3 } }), 'a.ts, line 3');
    assert.equal(describeContext({ path: 'a.ts' }), 'a.ts');
  });

  test('attachments over the server limits are refused with the reason, at the limit they pass', () => {
    const limits = { maxContextParts: 2, maxContextBytes: 10 };
    assert.equal(contextRefusal([{ path: 'a', content: '12345' }], { path: 'b', content: '67890' }, limits), null);
    assert.equal(
      contextRefusal([{ path: 'a', content: '12345' }], { path: 'b', content: '678901' }, limits),
      "Attachments would be 11 bytes, over the server's 10 bytes limit for one message.",
    );
    assert.equal(contextRefusal([{ path: 'a' }, { path: 'b' }], { path: 'c' }, limits), 'A message can carry at most 2 attachments; remove one first.');
    // UTF-8 bytes, not characters: "é" is two.
    assert.match(contextRefusal([], { path: 'a', content: 'éééééé' }, limits) ?? '', /over the server's/);
  });
});
