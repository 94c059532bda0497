import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLoopback } from './serve.ts';

describe('isLoopback', () => {
  it('knows loopback hosts from the rest', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) assert.equal(isLoopback(host), true, host);
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com', '128.0.0.1']) assert.equal(isLoopback(host), false, host);
  });
});
