import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The SDK must run in a browser: walk the static import graph (value and type imports, re-exports,
 * dynamic imports) from the entry point and check that it reaches only browser-safe files.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const entry = join(root, 'src/client/index.ts');

const browserSafeShared = ['src/events/definitions.ts', 'src/events/catalog-definitions.ts', 'src/events/apply-event.ts', 'src/events/touches.ts', 'src/events/cursor.ts', 'src/domain/schemas.ts', 'src/domain/approval-schemas.ts', 'src/domain/records.ts', 'src/domain/requests.ts', 'src/domain/errors.ts', 'src/domain/branches.ts', 'src/domain/conversation-export.ts'];
const allowedPackages = new Set(['zod']);
const nodeGlobals = /\b(process\.|Buffer\b|require\(|__dirname|__filename|setImmediate\(|global\.)/;

type Graph = { files: Set<string>; packages: Set<string> };

function walk(start: string): Graph {
  const graph: Graph = { files: new Set(), packages: new Set() };
  const pending = [start];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (graph.files.has(file)) continue;
    graph.files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const { fileName: specifier } of ts.preProcessFile(source, true, true).importedFiles) {
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier);
        assert.ok(existsSync(target), `${relative(root, file)} imports ${specifier}, which does not exist`);
        pending.push(target);
      } else {
        graph.packages.add(specifier);
      }
    }
  }
  return graph;
}

function isNodeModule(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier) || builtinModules.includes(specifier.split('/')[0]);
}

test('the SDK entry point reaches only src/client and the browser-safe shared files', () => {
  const graph = walk(entry);
  const reached = [...graph.files].map((file) => relative(root, file)).sort();
  const outside = reached.filter((file) => !file.startsWith('src/client/') && !browserSafeShared.includes(file));
  assert.deepEqual(outside, [], 'files outside the browser-safe set');
  assert.ok(reached.includes('src/events/definitions.ts') && reached.includes('src/client/websocket-transport.ts') && reached.includes('src/client/sse-transport.ts'), `the walk found the graph: ${reached.join(', ')}`);
  assert.ok(!reached.some((file) => file.endsWith('.test.ts')));
});

test('the SDK imports no Node module and no package but zod', () => {
  const { packages } = walk(entry);
  assert.deepEqual([...packages].filter(isNodeModule), []);
  assert.deepEqual([...packages].filter((name) => !allowedPackages.has(name)), []);
});

test('no file the SDK reaches uses a Node-only global', () => {
  for (const file of walk(entry).files) {
    const code = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    const withoutComments = ts.createPrinter({ removeComments: true }).printFile(code);
    assert.doesNotMatch(withoutComments, nodeGlobals, relative(root, file));
  }
});

test('every SDK source file is browser-safe on its own, not only those the entry point reaches', () => {
  const clientDir = join(root, 'src/client');
  for (const name of readdirSync(clientDir).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))) {
    const graph = walk(join(clientDir, name));
    const outside = [...graph.files].map((file) => relative(root, file)).filter((file) => !file.startsWith('src/client/') && !browserSafeShared.includes(file));
    assert.deepEqual(outside, [], name);
    assert.deepEqual([...graph.packages].filter((specifier) => !allowedPackages.has(specifier)), [], name);
  }
});

test('the SDK type-checks as a browser project would see it: DOM types, no @types/node', () => {
  const program = ts.createProgram([entry], {
    target: ts.ScriptTarget.ES2024,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2024.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: [],
    strict: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  assert.deepEqual(diagnostics, []);
  assert.ok(!program.getSourceFiles().some((file) => file.fileName.includes('@types/node')), 'no Node typings were loaded');
});

test('the walk does catch Node imports (it would fail on the engine)', () => {
  const graph = walk(join(root, 'src/engine/session-hub.ts'));
  assert.ok([...graph.packages].some(isNodeModule), 'session-hub.ts reaches node:crypto');
});
