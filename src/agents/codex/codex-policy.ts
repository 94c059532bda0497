/**
 * What Codex may do without asking, per provider: the `sandbox` and `approvalPolicy` of a codex
 * provider, passed as they are to `codex app-server`'s `thread/start` and `thread/resume` (its
 * `SandboxMode` and `AskForApproval`). Confab's default asks a person before anything Codex does
 * not know to be safe (`untrusted`) and lets commands write only inside the project
 * (`workspace-write`), so risky actions become Confab approvals.
 */

/** Codex 0.171's `SandboxMode`: where its commands may read and write. */
export const codexSandboxModes = ['read-only', 'workspace-write', 'danger-full-access'] as const;
export type CodexSandboxMode = (typeof codexSandboxModes)[number];

/**
 * Codex 0.171's `AskForApproval` (its string forms): `untrusted` asks before any command not on its
 * known-safe list; `on-request` lets the model decide when to ask (it asks to leave the sandbox);
 * `never` never asks (a command the sandbox refuses fails and the model is told).
 */
export const codexApprovalPolicies = ['untrusted', 'on-request', 'never'] as const;
export type CodexApprovalPolicy = (typeof codexApprovalPolicies)[number];

export type CodexThreadPolicy = { approvalPolicy: CodexApprovalPolicy; sandbox: CodexSandboxMode };

export const defaultCodexPolicy: CodexThreadPolicy = { approvalPolicy: 'untrusted', sandbox: 'workspace-write' };

/** The `thread/start` / `thread/resume` fields for a provider's settings; what it leaves out is Confab's default. */
export function codexThreadPolicy(settings: { approvalPolicy?: CodexApprovalPolicy | undefined; sandbox?: CodexSandboxMode | undefined }): CodexThreadPolicy {
  return { approvalPolicy: settings.approvalPolicy ?? defaultCodexPolicy.approvalPolicy, sandbox: settings.sandbox ?? defaultCodexPolicy.sandbox };
}
