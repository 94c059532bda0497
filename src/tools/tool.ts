import type { z } from 'zod';

/**
 * A tool the run loop can execute for the model. Input is validated against `input` before
 * `execute` is called; a validation failure goes back to the model as an error result.
 * `execute` must honour `context.signal` (the run's AbortSignal) and may throw: the error's message
 * goes back to the model as an error result, so it must not leak secrets.
 */
export interface Tool<Input = any> {
  name: string;
  description: string;
  input: z.ZodType<Input>;
  /**
   * The JSON Schema offered to the model, when it comes from elsewhere (an MCP server's tool):
   * sent as is instead of one derived from `input`, which still validates what the model sends.
   */
  inputSchema?: Record<string, unknown>;
  /** A person must allow each call first (see docs/architecture.md, Approvals). Default false. */
  needsApproval?: boolean;
  execute(input: Input, context: ToolContext): Promise<unknown>;
}

export type ToolContext = {
  /** Real path of the conversation's project root. */
  projectRoot: string;
  /** The conversation's project (tools configured per project, such as MCP servers, are found by it). */
  projectName?: string;
  signal: AbortSignal;
};

/** Which project a run's tools are for: tools configured per project (MCP servers) differ by it. */
export type ToolScope = { projectName: string; projectRoot: string };
