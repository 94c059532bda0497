import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { UpstreamError } from '../../providers/upstream-error.ts';

/**
 * The slice of the Claude Agent SDK (`@anthropic-ai/claude-agent-sdk`) Confab uses. The SDK is an
 * optional peer dependency: it is loaded, with `import()`, only when a `claude-code` provider runs
 * its first turn, so Confab stays light for everyone who never drives Claude Code. Its types are
 * declared here (the parts Confab reads), not imported: the SDK need not be installed to build.
 */
export const claudeSdkPackage = '@anthropic-ai/claude-agent-sdk';

/** The SDK version Confab is tested with; it tracks Claude Code's (0.3.332 ↔ 2.1.332). */
export const testedSdkVersion = '0.3.332';

export type ClaudeSdk = { query(params: { prompt: AsyncIterable<SdkUserMessage>; options: ClaudeQueryOptions }): ClaudeQuery };

export type SdkUserMessage = { type: 'user'; message: { role: 'user'; content: string }; parent_tool_use_id: null; session_id: string };

export type PermissionResult = { behavior: 'allow'; updatedInput: Record<string, unknown> } | { behavior: 'deny'; message: string; interrupt?: boolean };

export type CanUseTool = (toolName: string, input: Record<string, unknown>, options: { signal: AbortSignal; toolUseID: string; agentID?: string }) => Promise<PermissionResult>;

export type SpawnOptions = { command: string; args: string[]; cwd?: string; env: Record<string, string | undefined>; signal: AbortSignal };

/** What `spawnClaudeCodeProcess` returns; a Node `ChildProcess` is one. */
export type SpawnedProcess = {
  stdin: Writable;
  stdout: Readable;
  readonly killed: boolean;
  readonly exitCode: number | null;
  kill(signal: NodeJS.Signals): boolean;
  on(event: 'exit' | 'error', listener: (...args: any[]) => void): unknown;
  once(event: 'exit' | 'error', listener: (...args: any[]) => void): unknown;
  off(event: 'exit' | 'error', listener: (...args: any[]) => void): unknown;
};

export type ClaudeQueryOptions = {
  cwd: string;
  env: Record<string, string | undefined>;
  pathToClaudeCodeExecutable: string;
  spawnClaudeCodeProcess: (options: SpawnOptions) => SpawnedProcess;
  includePartialMessages: boolean;
  permissionMode: 'default';
  canUseTool: CanUseTool;
  /** Tools taken out of the model's list. */
  disallowedTools: string[];
  mcpServersDelivery: 'argv';
  model?: string;
  resume?: string;
  sessionId?: string;
  systemPrompt?: { type: 'preset'; preset: 'claude_code'; append: string };
};

/** A running `query()`: its messages, and the control requests Confab sends. */
export type ClaudeQuery = AsyncIterable<SdkMessage> & {
  interrupt(): Promise<unknown>;
  initializationResult(): Promise<unknown>;
  close(): void;
};

/** The SDK's messages, loosely: the mapper reads the fields it knows and skips the rest. */
export type SdkMessage = { type: string; subtype?: string; session_id?: string; parent_tool_use_id?: string | null; [field: string]: any };

/**
 * Loads the SDK: from `sdkPath` when the provider names one (the folder an `npm install --prefix`
 * put it in, or the package's own folder), else from where Confab itself is installed. Missing, the
 * turn fails with `not_found` saying how to install it.
 */
export async function loadClaudeSdk(sdkPath: string | undefined): Promise<ClaudeSdk> {
  let entry: string = claudeSdkPackage;
  try {
    if (sdkPath !== undefined) entry = pathToFileURL(createRequire(join(sdkPath, 'package.json')).resolve(claudeSdkPackage)).href;
    const sdk = (await import(entry)) as Partial<ClaudeSdk>;
    if (typeof sdk.query !== 'function') throw new Error(`${claudeSdkPackage} has no query()`);
    return sdk as ClaudeSdk;
  } catch (error) {
    const where = sdkPath === undefined ? 'beside Confab' : `in ${sdkPath}`;
    throw new UpstreamError({
      code: 'not_found',
      message: `The Claude Agent SDK (${claudeSdkPackage}) could not be loaded ${where}: install it with \`npm install ${claudeSdkPackage}@${testedSdkVersion}\` where Confab is installed, or install it anywhere and set "sdkPath" for this provider (see docs/agents.md).`,
      retryable: false,
      cause: error,
    });
  }
}
