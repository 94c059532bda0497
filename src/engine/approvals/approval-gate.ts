import type { Store } from '../../store/store.ts';
import type { ApprovalGate, ToolExecutor } from '../run/run-context.ts';
import type { ExpiryTimers } from './approval-timers.ts';

export const defaultApprovalExpiryMs = 24 * 60 * 60 * 1000;

/** Which tool calls wait for a person, and for how long. */
export type ApprovalOptions = {
  /** Tools whose calls need approval besides those that declare `needsApproval` (a server config switch). */
  tools?: string[];
  /** How long a request waits for an answer before it expires (the call does not run). Default 24 h. */
  expiryMs?: number;
};

/** The run loop's view of approvals: the tools' declarations plus the configured names, the store, the timers. */
export function createApprovalGate(options: {
  tools: ToolExecutor;
  approvals: ApprovalOptions | undefined;
  store: Store;
  timers: ExpiryTimers;
  cancel: (conversationId: string, runId: string) => Promise<void>;
}): ApprovalGate {
  const required = new Set(options.approvals?.tools ?? []);
  const expiryMs = options.approvals?.expiryMs ?? defaultApprovalExpiryMs;
  if (!(expiryMs > 0)) throw new RangeError('approval expiry must be a positive number of milliseconds');
  return {
    needsApproval: (toolName, scope) => required.has(toolName) || (options.tools.needsApproval?.(toolName, scope) ?? false),
    expiryMs,
    get: (approvalId) => options.store.getApproval(approvalId),
    requested: (approvals) => {
      for (const approval of approvals) options.timers.arm(approval);
    },
    cancel: options.cancel,
  };
}
