import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ToolRegistry } from '../tool-registry.ts';
import { createProjectTools } from './project-tools.ts';

test('createProjectTools gives the three read-only tools, registrable together', () => {
  const registry = new ToolRegistry();
  for (const tool of createProjectTools()) registry.register(tool);
  assert.deepEqual(
    registry.list().map((tool) => tool.name),
    ['list_files', 'read_file', 'search_text'],
  );
  const readFile = registry.specs().find((spec) => spec.name === 'read_file');
  assert.deepEqual(readFile?.inputSchema, {
    type: 'object',
    properties: {
      path: { type: 'string', minLength: 1, description: 'File to read, relative to the project root.' },
      startLine: { type: 'integer', minimum: 1, description: 'First line to read (1-based). Default 1.' },
      endLine: { type: 'integer', minimum: 1, description: 'Last line to read (inclusive). Default: the last line.' },
    },
    required: ['path'],
  });
});

test('options reach each tool', () => {
  const [listFiles, readFile, searchText] = createProjectTools({
    readFile: { maxFileBytes: 2048, maxContentBytes: 1024 },
    searchText: { maxFileBytes: 4096 },
  });
  assert.equal(listFiles.name, 'list_files');
  assert.match(readFile.description, /Files over 2 KiB need startLine\/endLine\. Content over 1 KiB is cut/);
  assert.match(searchText.description, /files over 4 KiB\./);
});
