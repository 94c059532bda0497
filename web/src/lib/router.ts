import { useSyncExternalStore } from 'react';

/**
 * The two places the app can be: a new chat, or one conversation (`/c/<id>`), optionally at one of
 * its messages (`/c/<id>#message=<messageId>`: a search hit; the view shows that message's branch).
 */
export type Route = { kind: 'new' } | { kind: 'conversation'; conversationId: string; messageId?: string };

const listeners = new Set<() => void>();
let current = parse(window.location.pathname, window.location.hash);

const reparse = () => {
  const next = parse(window.location.pathname, window.location.hash);
  if (pathOf(next) === pathOf(current)) return;
  current = next;
  for (const listener of listeners) listener();
};
window.addEventListener('popstate', reparse);
window.addEventListener('hashchange', reparse);

function parse(pathname: string, hash: string): Route {
  const match = /^\/c\/([^/]+)\/?$/.exec(pathname);
  if (!match) return { kind: 'new' };
  const messageId = new URLSearchParams(hash.replace(/^#/, '')).get('message');
  const conversationId = decodeURIComponent(match[1]);
  return messageId ? { kind: 'conversation', conversationId, messageId } : { kind: 'conversation', conversationId };
}

export function pathOf(route: Route): string {
  if (route.kind === 'new') return '/';
  const path = `/c/${encodeURIComponent(route.conversationId)}`;
  return route.messageId ? `${path}#message=${encodeURIComponent(route.messageId)}` : path;
}

export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const path = pathOf(route);
  if (path !== window.location.pathname + window.location.hash) {
    if (options.replace) window.history.replaceState(null, '', path);
    else window.history.pushState(null, '', path);
  }
  current = route;
  for (const listener of listeners) listener();
}

export function useRoute(): Route {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    () => current,
  );
}
