import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { contentSecurityPolicy, chatPageHtml } from '../host/webview-html.ts';
import { isPersistedState, parsePanelMessage } from './messages.ts';

describe('panel messages', () => {
  test('well-formed messages from the page pass as they are', () => {
    for (const message of [
      { type: 'ready' },
      { type: 'send', content: 'hi' },
      { type: 'stop' },
      { type: 'stop', runId: 'run_1' },
      { type: 'approve', approvalId: 'a', decision: 'deny', note: 'no' },
      { type: 'insert', text: 'code' },
      { type: 'remove-context', index: 0 },
    ]) {
      assert.deepEqual(parsePanelMessage(message), message);
    }
  });

  test('anything else from the page is dropped', () => {
    for (const message of [null, 'send', {}, { type: 'eval' }, { type: 'send' }, { type: 'send', content: 3 }, { type: 'stop', runId: 1 }, { type: 'remove-context', index: '0' }, { type: 'approve', approvalId: 'a' }]) {
      assert.equal(parsePanelMessage(message), null, JSON.stringify(message));
    }
  });

  test('a restored panel needs a conversation id in its saved state', () => {
    assert.equal(isPersistedState({ conversationId: 'c', draft: '' }), true);
    assert.equal(isPersistedState({ draft: 'x' }), false);
    assert.equal(isPersistedState(undefined), false);
  });

  test('the page may load only its own script (by nonce) and style sheets (style attributes: KaTeX), and connect nowhere', () => {
    const csp = contentSecurityPolicy('vscode-resource:', 'n0nce');
    assert.equal(csp, "default-src 'none'; script-src 'nonce-n0nce'; style-src vscode-resource:; style-src-elem vscode-resource:; style-src-attr 'unsafe-inline'; img-src vscode-resource: data:; font-src vscode-resource:; connect-src 'none'; frame-src 'none'; form-action 'none'; base-uri 'none'");
    const html = chatPageHtml({ script: 'S.js', style: 'S.css', cspSource: 'vscode-resource:', nonce: 'n0nce' });
    assert.match(html, /<script nonce="n0nce" src="S.js"><\/script>/);
    assert.equal((html.match(/<script/g) ?? []).length, 1);
  });
});
