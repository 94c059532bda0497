/**
 * The chat panel's page (bundled to dist/webview/webview.js). It renders what the host sends and
 * posts back what the user does; it has no token and makes no request of its own.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ChatApp } from './chat-app.tsx';
import { installCodeActions } from './code-actions.ts';
import { panelApi } from './panel-api.ts';
import '../../../../web/src/styles/base.css';
import '../../../../web/src/styles/layout.css';
import '../../../../web/src/styles/messages.css';
import '../../../../web/src/styles/composer.css';
import '../../../../web/src/styles/highlight.css';
import '../../../../web/src/styles/status.css';
import '../../../../web/src/styles/transcript-extras.css';
import 'katex/dist/katex.min.css';
import '../../../../web/src/styles/math.css';
import './vscode-theme.css';

installCodeActions(document, panelApi);
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ChatApp api={panelApi} />
  </StrictMode>,
);
panelApi.post({ type: 'ready' });
