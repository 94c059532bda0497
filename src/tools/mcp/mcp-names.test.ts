import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxToolNameLength, namespacedToolName, serverOfToolName } from './mcp-names.ts';

describe('MCP tool names', () => {
  it('joins server and tool with __ when the tool name is already valid', () => {
    assert.equal(namespacedToolName('files', 'read_file'), 'files__read_file');
  });

  it('cleans names providers refuse, keeping them distinct with a hash of the original', () => {
    const dotted = namespacedToolName('files', 'read.file');
    const slashed = namespacedToolName('files', 'read/file');
    assert.match(dotted, /^files__read_file_[0-9a-f]{8}$/);
    assert.match(slashed, /^files__read_file_[0-9a-f]{8}$/);
    assert.notEqual(dotted, slashed);
  });

  it('cuts long names to the providers\' 64-character limit, still distinct', () => {
    const server = 's'.repeat(32);
    const one = namespacedToolName(server, 'x'.repeat(100) + '1');
    const two = namespacedToolName(server, 'x'.repeat(100) + '2');
    assert.equal(one.length, maxToolNameLength);
    assert.equal(two.length, maxToolNameLength);
    assert.notEqual(one, two);
    assert.match(one, /^[A-Za-z0-9_-]{1,64}$/);
  });

  it('finds the server of a namespaced name, and none for other names', () => {
    assert.equal(serverOfToolName('a_b__echo', ['a', 'a_b']), 'a_b');
    assert.equal(serverOfToolName('a__echo', ['a', 'a_b']), 'a');
    assert.equal(serverOfToolName('read_file', ['a', 'a_b']), undefined);
  });
});
