import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizeServerUrl, tokenKey } from './connection.ts';
import { parseServerInput } from './sign-in.ts';

describe('sign-in input', () => {
  test('the link confab serve prints gives the URL and the token at once', () => {
    assert.deepEqual(parseServerInput('http://127.0.0.1:4317/?token=abc-DEF_1'), { url: 'http://127.0.0.1:4317', token: 'abc-DEF_1' });
  });

  test('a plain URL has no token; a path prefix is kept; anything but http(s) is refused', () => {
    assert.deepEqual(parseServerInput(' https://confab.example.com/ '), { url: 'https://confab.example.com', token: null });
    assert.deepEqual(parseServerInput('https://example.com/confab/'), { url: 'https://example.com/confab', token: null });
    assert.equal(parseServerInput('ftp://example.com'), null);
    assert.equal(parseServerInput('127.0.0.1:4317'), null);
    assert.equal(parseServerInput(''), null);
  });

  test('tokens are stored per server URL, normalised', () => {
    assert.equal(normalizeServerUrl('http://h:1//'), 'http://h:1');
    assert.equal(tokenKey('http://h:1/'), tokenKey('http://h:1'));
    assert.notEqual(tokenKey('http://h:1'), tokenKey('http://h:2'));
  });
});
