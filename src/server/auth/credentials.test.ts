import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { presentedTokens, readCookie, TokenCheck, tokenCookie } from './credentials.ts';

const requestWith = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('credentials', () => {
  it('compares tokens of any length without throwing', () => {
    const check = new TokenCheck('secret-token');
    assert.equal(check.matches('secret-token'), true);
    for (const candidate of ['', 'secret', 'secret-token-longer', 'SECRET-TOKEN', 'secret-tokeN']) assert.equal(check.matches(candidate), false, candidate);
  });

  it('collects tokens from the Bearer header, the cookie and the query, in that order', () => {
    const req = requestWith({ authorization: 'Bearer  a1 ', cookie: 'x=1; confab_token=b%202' });
    assert.deepEqual(presentedTokens(req, new URLSearchParams('token=c3')), ['a1', 'b 2', 'c3']);
    assert.deepEqual(presentedTokens(requestWith({ authorization: 'Basic abc' }), new URLSearchParams()), []);
  });

  it('admits when any presented token matches', () => {
    const check = new TokenCheck('right');
    assert.equal(check.admits(requestWith({ authorization: 'Bearer wrong', cookie: 'confab_token=right' }), new URLSearchParams()), true);
    assert.equal(check.admits(requestWith({ authorization: 'Bearer wrong' }), new URLSearchParams('token=also-wrong')), false);
  });

  it('reads cookies by exact name and writes the hand-off cookie', () => {
    assert.equal(readCookie('confab_token_old=1; confab_token=2', 'confab_token'), '2');
    assert.equal(readCookie(undefined, 'confab_token'), undefined);
    assert.equal(tokenCookie('a b'), 'confab_token=a%20b; HttpOnly; SameSite=Strict; Path=/');
  });
});
