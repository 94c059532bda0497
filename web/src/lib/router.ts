import { useSyncExternalStore } from 'react';

/** The two places the app can be: a new chat, or one conversation (`/c/<id>`). */
export type Route = { kind: 'new' } | { kind: 'conversation'; conversationId: string };

const listeners = new Set<() => void>();
let current = parse(window.location.pathname);

window.addEventListener('popstate', () => {
  current = parse(window.location.pathname);
  for (const listener of listeners) listener();
});

function parse(pathname: string): Route {
  const match = /^\/c\/([^/]+)\/?$/.exec(pathname);
  return match ? { kind: 'conversation', conversationId: decodeURIComponent(match[1]) } : { kind: 'new' };
}

export function pathOf(route: Route): string {
  return route.kind === 'conversation' ? `/c/${encodeURIComponent(route.conversationId)}` : '/';
}

export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const path = pathOf(route);
  if (path !== window.location.pathname) {
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
