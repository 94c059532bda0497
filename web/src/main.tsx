import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { appStore } from './lib/app-store.ts';
import { startTheme } from './lib/theme.ts';
import './styles/base.css';
import './styles/layout.css';
import './styles/messages.css';
import './styles/composer.css';
import './styles/highlight.css';
import './styles/status.css';
import './styles/transcript-extras.css';
import 'katex/dist/katex.min.css';
import './styles/math.css';

startTheme();
void appStore.start();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
