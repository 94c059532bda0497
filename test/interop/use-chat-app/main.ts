/**
 * A minimal `useChat` app, as an app developer would write it against Confab (docs/interop.md),
 * bundled by vite for test/interop/use-chat-browser.test.ts. Where the server is, its token and the
 * conversation come in the page's query string: `?server=…&token=…&chat=<conversation id>`.
 *
 * On load it fetches the conversation's messages and mounts `useChat({ resume: true })`, which
 * reconnects to a reply still being written. Stop asks Confab to stop the run, then stops reading.
 */
import { useChat } from '@ai-sdk/react';
import { DefaultChatTransport, type UIMessage } from 'ai';
import { createElement as h, useState } from 'react';
import { createRoot } from 'react-dom/client';

const params = new URLSearchParams(location.search);
const server = params.get('server')!;
const chatId = params.get('chat')!;
const headers = { Authorization: `Bearer ${params.get('token')}` };
const transport = new DefaultChatTransport({ api: `${server}/v1/ui-chat`, headers });

function partView(part: UIMessage['parts'][number], index: number) {
  if (part.type === 'text') return h('span', { key: index, 'data-testid': 'text' }, part.text);
  if (part.type === 'reasoning') return h('em', { key: index, 'data-testid': 'reasoning' }, part.text);
  if (part.type === 'dynamic-tool') return h('code', { key: index, 'data-testid': 'tool', 'data-state': part.state }, `${part.toolName} ${JSON.stringify(part.input)}`);
  return null;
}

function App({ initial }: { initial: UIMessage[] }) {
  const { messages, sendMessage, status, stop, error } = useChat({ id: chatId, messages: initial, transport, resume: true });
  const [input, setInput] = useState('');
  const stopReply = async () => {
    await fetch(`${server}/v1/conversations/${encodeURIComponent(chatId)}/stop`, { method: 'POST', headers });
    await stop();
  };
  return h(
    'main',
    null,
    h('p', { 'data-testid': 'status' }, status),
    error ? h('p', { 'data-testid': 'error' }, error.message) : null,
    h(
      'ol',
      null,
      messages.map((message) => h('li', { key: message.id, 'data-testid': `${message.role}-message`, 'data-id': message.id }, message.parts.map(partView))),
    ),
    h(
      'form',
      {
        onSubmit: (event: { preventDefault(): void }) => {
          event.preventDefault();
          void sendMessage({ text: input });
          setInput('');
        },
      },
      h('input', { 'aria-label': 'Message', value: input, onChange: (event: { target: { value: string } }) => setInput(event.target.value) }),
      h('button', { type: 'submit' }, 'Send'),
      h('button', { type: 'button', onClick: () => void stopReply() }, 'Stop'),
    ),
  );
}

const response = await fetch(`${server}/v1/ui-chat/${encodeURIComponent(chatId)}/messages`, { headers });
const { messages } = (await response.json()) as { messages: UIMessage[] };
createRoot(document.getElementById('root')!).render(h(App, { initial: messages }));
