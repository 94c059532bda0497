/**
 * Straight to the fake upstream (`POST /v1/chat/completions`, SSE): the reference for the overhead
 * scenario, the upstream's own time to first token as a client on this machine sees it.
 */
import { stringAfter } from '../http-request.ts';
import type { Protocol, ProtocolContext } from '../protocol.ts';
import { sseWatch } from './sse-watch.ts';

export function upstreamProtocol({ init, stats }: ProtocolContext): Protocol {
  const watch = sseWatch(stats, {
    readDeltas(frame, onDelta) {
      const content = stringAfter(frame, '"content":"');
      if (content) onDelta(content.value);
    },
    readPosition: () => undefined,
  });
  return {
    connect: async () => {},
    async start(watcher) {
      const message = watcher.sendStart();
      const body = { model: 'bench', stream: true, messages: [{ role: 'user', content: message }] };
      const { status } = await watch.open(watcher, 'POST', `${init.baseUrl}/v1/chat/completions`, body, {});
      if (status !== 200) throw new Error(`upstream: HTTP ${status}`);
      return undefined;
    },
    join: async () => {},
    drop: (watcher) => watch.drop(watcher),
    resume: async () => {
      throw new Error('the upstream cannot resume a stream');
    },
    close: () => watch.close(),
  };
}
