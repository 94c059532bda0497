import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import type { Tool } from './tool.ts';
import { ToolRegistry } from './tool-registry.ts';

const context = (signal = new AbortController().signal) => ({ projectRoot: '/srv/projects/demo', signal });

function echoTool(calls: unknown[] = []): Tool<{ text: string; times: number }> {
  return {
    name: 'echo',
    description: 'Repeats text.',
    input: z.object({ text: z.string().describe('What to repeat'), times: z.number().int().min(1).default(1) }),
    async execute(input) {
      calls.push(input);
      return { text: input.text.repeat(input.times) };
    },
  };
}

function failingTool(execute: Tool['execute']): Tool {
  return { name: 'fail', description: 'Fails.', input: z.object({}), execute };
}

test('register rejects a second tool with the same name', () => {
  const registry = new ToolRegistry().register(echoTool());
  assert.throws(() => registry.register(echoTool()), { message: 'Tool "echo" is already registered' });
  assert.deepEqual(
    registry.list().map((tool) => tool.name),
    ['echo'],
  );
  assert.equal(registry.get('echo')?.name, 'echo');
  assert.equal(registry.get('missing'), undefined);
});

test('a tool that declares needsApproval needs it; others and unknown tools do not', () => {
  const registry = new ToolRegistry().register(echoTool()).register({ ...failingTool(async () => 'x'), name: 'write', needsApproval: true });
  assert.equal(registry.needsApproval('write'), true);
  assert.equal(registry.needsApproval('echo'), false);
  assert.equal(registry.needsApproval('missing'), false);
});

test('specs describe the input as draft-7 JSON Schema without $schema or safe-integer bounds, defaults optional', () => {
  const registry = new ToolRegistry().register(echoTool());
  assert.deepEqual(registry.specs(), [
    {
      name: 'echo',
      description: 'Repeats text.',
      inputSchema: {
        type: 'object',
        properties: {
          text: { type: 'string', description: 'What to repeat' },
          times: { type: 'integer', minimum: 1, default: 1 },
        },
        required: ['text'],
      },
    },
  ]);
  const [again] = registry.specs();
  assert.equal(again!.inputSchema, registry.specs()[0]!.inputSchema, 'converted once per schema, not once per run');
  const other = new ToolRegistry().register({ ...echoTool(), input: z.object({ text: z.string() }) }).specs()[0]!.inputSchema;
  assert.deepEqual(other.required, ['text']);
  assert.equal('times' in (other.properties as object), false, 'another schema gets its own conversion');
});

test('execute runs the tool with parsed input (defaults applied)', async () => {
  const calls: unknown[] = [];
  const registry = new ToolRegistry().register(echoTool(calls));
  const result = await registry.execute({ toolName: 'echo', input: { text: 'ab' } }, context());
  assert.deepEqual(result, { output: { text: 'ab' }, isError: false });
  assert.deepEqual(calls, [{ text: 'ab', times: 1 }]);
});

test('an unknown tool is an error result naming the available tools', async () => {
  const registry = new ToolRegistry().register(echoTool()).register(failingTool(async () => 1));
  const result = await registry.execute({ toolName: 'rm_rf', input: {} }, context());
  assert.deepEqual(result, { output: 'Unknown tool "rm_rf". Available tools: echo, fail.', isError: true });
});

test('invalid input is an error result with a readable message, and the tool never runs', async () => {
  const calls: unknown[] = [];
  const registry = new ToolRegistry().register(echoTool(calls));
  const result = await registry.execute({ toolName: 'echo', input: { text: 3, times: 0 } }, context());
  assert.deepEqual(result, {
    output:
      'Invalid input for tool "echo":\n' +
      '✖ Invalid input: expected string, received number\n  → at text\n' +
      '✖ Too small: expected number to be >=1\n  → at times',
    isError: true,
  });
  assert.deepEqual(calls, []);
});

test('a tool that throws gives an error result with its message, the project path scrubbed', async () => {
  const registry = new ToolRegistry().register(
    failingTool(async () => {
      throw new Error("ENOENT: no such file or directory, open '/srv/projects/demo/src/a.ts'");
    }),
  );
  const result = await registry.execute({ toolName: 'fail', input: {} }, context());
  assert.deepEqual(result, { output: "ENOENT: no such file or directory, open 'src/a.ts'", isError: true });
});

test('a tool that throws a non-Error value gives an error result', async () => {
  const registry = new ToolRegistry().register(
    failingTool(async () => {
      throw 'plain string';
    }),
  );
  assert.deepEqual(await registry.execute({ toolName: 'fail', input: {} }, context()), {
    output: 'plain string',
    isError: true,
  });
});

test('when the run is aborted, execute rethrows the abort reason instead of returning a result', async () => {
  const controller = new AbortController();
  const reason = new Error('stopped by user');
  let started!: () => void;
  const toolStarted = new Promise<void>((resolve) => (started = resolve));
  const registry = new ToolRegistry().register(
    failingTool(
      (_input, toolContext) =>
        new Promise((_resolve, reject) => {
          toolContext.signal.addEventListener('abort', () => reject(new Error('tool saw the abort')));
          started();
        }),
    ),
  );
  const pending = registry.execute({ toolName: 'fail', input: {} }, context(controller.signal));
  await toolStarted;
  controller.abort(reason);
  await assert.rejects(pending, (error) => error === reason);
});

test('a tool that ignores the abort does not keep execute waiting', async () => {
  const controller = new AbortController();
  const reason = new Error('stopped by user');
  let started!: () => void;
  const toolStarted = new Promise<void>((resolve) => (started = resolve));
  const registry = new ToolRegistry().register(
    failingTool(
      () =>
        new Promise(() => {
          started();
        }),
    ),
  );
  const pending = registry.execute({ toolName: 'fail', input: {} }, context(controller.signal));
  await toolStarted;
  controller.abort(reason);
  await assert.rejects(pending, (error) => error === reason);
});

test('execute with an already aborted signal throws the reason without running the tool', async () => {
  const calls: unknown[] = [];
  const registry = new ToolRegistry().register(echoTool(calls));
  const reason = new Error('stopped');
  await assert.rejects(
    registry.execute({ toolName: 'echo', input: { text: 'a' } }, context(AbortSignal.abort(reason))),
    (error) => error === reason,
  );
  assert.deepEqual(calls, []);
});

test('output over the cap is cut to exactly the cap, with a marker', async () => {
  const registry = new ToolRegistry({ maxOutputBytes: 100 }).register(failingTool(async () => 'x'.repeat(500)));
  const result = await registry.execute({ toolName: 'fail', input: {} }, context());
  const marker = '\n[output truncated to 100 bytes of 500 bytes]';
  assert.deepEqual(result, { output: 'x'.repeat(100 - marker.length) + marker, isError: false });
  assert.equal(Buffer.byteLength(result.output as string), 100);
});

test('object output over the cap becomes its cut JSON text, never splitting a character', async () => {
  const registry = new ToolRegistry({ maxOutputBytes: 60 }).register(failingTool(async () => ({ text: 'é'.repeat(40) })));
  const result = await registry.execute({ toolName: 'fail', input: {} }, context());
  const marker = '\n[output truncated to 60 bytes of 91 bytes]';
  // 60 - 43 marker bytes = 17 bytes: `{"text":"` (9) + 4 × `é` (8).
  assert.deepEqual(result, { output: `{"text":"${'é'.repeat(4)}${marker}`, isError: false });
});

test('output within the cap is returned as is', async () => {
  const output = { nested: { list: [1, 2, 3] } };
  const registry = new ToolRegistry({ maxOutputBytes: 100 }).register(failingTool(async () => output));
  const result = await registry.execute({ toolName: 'fail', input: {} }, context());
  assert.equal(result.output, output);
  assert.equal(result.isError, false);
});

test('output that cannot be serialized is an error result', async () => {
  const registry = new ToolRegistry().register(failingTool(async () => ({ big: 1n })));
  assert.deepEqual(await registry.execute({ toolName: 'fail', input: {} }, context()), {
    output: 'Tool "fail" returned output that cannot be serialized.',
    isError: true,
  });
});
