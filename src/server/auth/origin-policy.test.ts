import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { OriginPolicy } from './origin-policy.ts';

const requestWith = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('OriginPolicy', () => {
  const policy = new OriginPolicy(['http://App.example:5173/']);

  it('allows requests without an Origin (non-browser clients)', () => {
    assert.equal(policy.allows(requestWith({ host: '127.0.0.1:4317' })), true);
  });

  it("allows the server's own origin as the Host header names it", () => {
    assert.equal(policy.allows(requestWith({ host: '127.0.0.1:4317', origin: 'http://127.0.0.1:4317' })), true);
    assert.equal(policy.allows(requestWith({ host: 'confab.example', origin: 'https://confab.example' })), true);
    assert.equal(policy.allows(requestWith({ host: '127.0.0.1:4317', origin: 'http://127.0.0.1:4318' })), false);
    assert.equal(policy.allows(requestWith({ host: '127.0.0.1:4317', origin: 'null' })), false);
  });

  it('allows listed origins, compared without case or trailing slash', () => {
    assert.equal(policy.allows(requestWith({ host: '127.0.0.1:4317', origin: 'http://app.example:5173' })), true);
    assert.equal(policy.isListed('http://app.example:5173'), true);
    assert.equal(policy.isListed('http://app.example'), false);
  });
});
