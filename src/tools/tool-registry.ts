import { z } from 'zod';
import type { ToolSpec } from '../providers/stream-part.ts';
import type { Tool, ToolContext } from './tool.ts';
import { formatBytes, truncateUtf8, utf8Length } from './utf8-truncate.ts';

export type ToolCallRequest = { toolName: string; input: unknown };

/** What goes back to the model. Error outputs are plain, safe strings. */
export type ToolExecution = { output: unknown; isError: boolean };

export type ToolRegistryOptions = {
  /** Cap on the JSON-serialized output of one call; larger outputs are cut with a marker. Default 64 KiB. */
  maxOutputBytes?: number;
};

export const defaultMaxOutputBytes = 64 * 1024;

/**
 * The tools a run may offer the model. `execute` never throws for the model's mistakes or the
 * tool's failures (they become error results the model can read and correct); it throws only the
 * run's abort reason, so a stop ends the run instead of becoming a message to the model.
 */
export class ToolRegistry {
  readonly #tools = new Map<string, Tool>();
  readonly #maxOutputBytes: number;

  constructor(options: ToolRegistryOptions = {}) {
    this.#maxOutputBytes = options.maxOutputBytes ?? defaultMaxOutputBytes;
  }

  register(tool: Tool): this {
    if (this.#tools.has(tool.name)) throw new Error(`Tool "${tool.name}" is already registered`);
    this.#tools.set(tool.name, tool);
    return this;
  }

  get(name: string): Tool | undefined {
    return this.#tools.get(name);
  }

  /** Whether calls of this tool wait for a person's approval (an unknown tool: no, it cannot run anyway). */
  needsApproval(name: string): boolean {
    return this.#tools.get(name)?.needsApproval === true;
  }

  list(): Tool[] {
    return [...this.#tools.values()];
  }

  specs(): ToolSpec[] {
    return this.list().map((tool) => ({
      name: tool.name,
      description: tool.description,
      inputSchema: tool.inputSchema ?? toInputSchema(tool.input),
    }));
  }

  async execute(call: ToolCallRequest, context: ToolContext): Promise<ToolExecution> {
    context.signal.throwIfAborted();
    const tool = this.#tools.get(call.toolName);
    if (!tool) {
      const available = [...this.#tools.keys()].join(', ') || 'none';
      return { output: `Unknown tool "${call.toolName}". Available tools: ${available}.`, isError: true };
    }
    const parsed = await tool.input.safeParseAsync(call.input);
    if (!parsed.success) {
      return { output: `Invalid input for tool "${tool.name}":\n${z.prettifyError(parsed.error)}`, isError: true };
    }
    let output: unknown;
    try {
      output = await untilAborted(tool.execute(parsed.data, context), context.signal);
    } catch (error) {
      if (context.signal.aborted) throw context.signal.reason;
      return { output: errorMessage(error, context.projectRoot), isError: true };
    }
    return this.#bound(tool.name, output);
  }

  #bound(toolName: string, output: unknown): ToolExecution {
    let serialized: string | undefined;
    try {
      serialized = typeof output === 'string' ? output : JSON.stringify(output);
    } catch {
      return { output: `Tool "${toolName}" returned output that cannot be serialized.`, isError: true };
    }
    if (serialized === undefined) return { output: null, isError: false };
    const size = utf8Length(serialized);
    if (size <= this.#maxOutputBytes) return { output, isError: false };
    const marker = `\n[output truncated to ${formatBytes(this.#maxOutputBytes)} of ${formatBytes(size)}]`;
    const kept = truncateUtf8(serialized, Math.max(0, this.#maxOutputBytes - utf8Length(marker)));
    return { output: kept + marker, isError: false };
  }
}

/**
 * Settles with `work`, or rejects with the abort reason as soon as `signal` aborts: a tool that
 * ignores its signal must not keep a stopped run waiting.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Input schema as draft-7 JSON Schema, the dialect providers accept. `io: 'input'` describes what
 * the model may send (fields with defaults are optional). `$schema` is dropped: some providers
 * reject unknown top-level keywords in tool parameters. So are the ±2^53 bounds zod gives every
 * `.int()`: they tell the model nothing and cost tokens on every request. Converted once per schema
 * (about half a millisecond each, and every run asks for every tool's): the result is shared, as
 * an MCP tool's own `inputSchema` is, and read only.
 */
export function toInputSchema(schema: z.ZodType): Record<string, unknown> {
  let converted = convertedSchemas.get(schema);
  if (converted === undefined) {
    const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
    converted = dropSafeIntegerBounds(rest) as Record<string, unknown>;
    convertedSchemas.set(schema, converted);
  }
  return converted;
}

const convertedSchemas = new WeakMap<z.ZodType, Record<string, unknown>>();

function dropSafeIntegerBounds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(dropSafeIntegerBounds);
  if (typeof node !== 'object' || node === null) return node;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'maximum' && value === Number.MAX_SAFE_INTEGER) continue;
    if (key === 'minimum' && value === Number.MIN_SAFE_INTEGER) continue;
    result[key] = dropSafeIntegerBounds(value);
  }
  return result;
}

/**
 * The message sent back to the model. The project root's absolute path is replaced so a raw
 * filesystem error (`ENOENT: …, open '/srv/…'`) does not tell the model where the server keeps things.
 */
function errorMessage(error: unknown, projectRoot: string): string {
  const message =
    typeof error === 'object' && error !== null && typeof (error as Error).message === 'string'
      ? (error as Error).message
      : String(error);
  if (!projectRoot || projectRoot === '/') return message || 'Tool failed';
  const cleaned = message.replaceAll(projectRoot + '/', '').replaceAll(projectRoot, '.');
  return cleaned || 'Tool failed';
}
