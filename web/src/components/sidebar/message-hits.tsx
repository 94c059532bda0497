import { useEffect, useState } from 'react';
import type { MessageSearchHit } from 'confab/client';
import { client } from '../../client.ts';
import { displayTitle } from '../../lib/format.ts';
import { navigate, pathOf } from '../../lib/router.ts';

/** Typing pauses this long before the server is asked. */
const searchDelayMs = 250;

type Search = { query: string; hits: MessageSearchHit[] | null; failed: boolean };

/**
 * The messages of the project that match the sidebar's search (the server's full-text search),
 * under the titles that match. Each hit shows its chat, who wrote it and the words around the
 * match; a click opens the chat at that message, on its branch (`/c/<id>#message=<messageId>`).
 */
export function MessageHits({ query, projectName, onOpen }: { query: string; projectName: string | null; onOpen: () => void }) {
  const search = useMessageSearch(query, projectName);
  if (search.query === '') return null;
  return (
    <section className="conversation-group message-hits" aria-label="Messages" data-testid="message-hits">
      <h3 className="conversation-group-title">Messages</h3>
      {search.failed && <p className="sidebar-empty">Search is not available right now.</p>}
      {search.hits?.length === 0 && <p className="sidebar-empty">No message matches “{search.query}”.</p>}
      <ul>
        {search.hits?.map((hit) => {
          const route = { kind: 'conversation', conversationId: hit.conversationId, messageId: hit.messageId } as const;
          return (
            <li key={hit.messageId} className="message-hit">
              <a
                href={pathOf(route)}
                className="message-hit-link"
                onClick={(event) => {
                  if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                  event.preventDefault();
                  navigate(route);
                  onOpen();
                }}
              >
                <span className="message-hit-title">
                  <span className="message-hit-chat">{displayTitle(hit.conversationTitle)}</span>
                  <span className="message-hit-role">{hit.role === 'user' ? 'You' : 'Assistant'}</span>
                </span>
                <span className="message-hit-snippet">
                  <Highlighted text={hit.snippet} ranges={hit.highlights} />
                </span>
              </a>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function Highlighted({ text, ranges }: { text: string; ranges: [number, number][] }) {
  const pieces: (string | React.JSX.Element)[] = [];
  let at = 0;
  for (const [start, end] of ranges) {
    pieces.push(text.slice(at, start), <mark key={start}>{text.slice(start, end)}</mark>);
    at = end;
  }
  pieces.push(text.slice(at));
  return <>{pieces}</>;
}

/** The server's hits for `query` (words of two letters or more), asked once typing pauses; stale answers are dropped. */
function useMessageSearch(query: string, projectName: string | null): Search {
  const [search, setSearch] = useState<Search>({ query: '', hits: null, failed: false });
  const text = query.trim();
  const searchable = /[\p{L}\p{N}]{2}/u.test(text) && projectName !== null;
  useEffect(() => {
    if (!searchable) return setSearch({ query: '', hits: null, failed: false });
    let current = true;
    const timer = window.setTimeout(() => {
      client.search(text, { project: projectName!, limit: 20 }).then(
        (hits) => current && setSearch({ query: text, hits, failed: false }),
        () => current && setSearch({ query: text, hits: null, failed: true }),
      );
    }, searchDelayMs);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [text, projectName, searchable]);
  return search;
}
