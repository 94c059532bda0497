import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AgentProviderSchema, toAgentSettings } from '../agent-config.ts';
import { codexThreadPolicy } from './codex-policy.ts';

/** A codex provider as the config file declares it, through the schema the config loader uses. */
const policyOf = (declared: Record<string, unknown>) => codexThreadPolicy(toAgentSettings('codex', AgentProviderSchema.parse({ type: 'codex', ...declared })));

describe('the codex sandbox and approval policy from the provider config', () => {
  it('defaults to asking before anything not known to be safe, writes only inside the project', () => {
    assert.deepEqual(policyOf({}), { approvalPolicy: 'untrusted', sandbox: 'workspace-write' });
  });

  it('passes each configured value to thread/start as Codex names it', () => {
    assert.deepEqual(policyOf({ approvalPolicy: 'never' }), { approvalPolicy: 'never', sandbox: 'workspace-write' });
    assert.deepEqual(policyOf({ sandbox: 'read-only' }), { approvalPolicy: 'untrusted', sandbox: 'read-only' });
    assert.deepEqual(policyOf({ approvalPolicy: 'on-request', sandbox: 'danger-full-access' }), { approvalPolicy: 'on-request', sandbox: 'danger-full-access' });
  });

  it('refuses a value Codex does not know, and the options on another agent type', () => {
    const issues = (declared: Record<string, unknown>) => AgentProviderSchema.safeParse(declared).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    assert.match(String(issues({ type: 'codex', approvalPolicy: 'sometimes' })), /^approvalPolicy: Invalid option: expected one of "untrusted"\|"on-request"\|"never"/);
    assert.match(String(issues({ type: 'codex', sandbox: 'none' })), /^sandbox: Invalid option/);
    assert.deepEqual(issues({ type: 'opencode', sandbox: 'read-only', approvalPolicy: 'never' }), ['sandbox: only applies to type codex', 'approvalPolicy: only applies to type codex']);
  });
});
