import { useSyncExternalStore } from 'react';

/**
 * Light or dark: the system's (default) or the user's choice, remembered in `localStorage`. The
 * stylesheets key on `<html data-theme>`, which always holds the resolved theme; index.html sets it
 * before the first paint with the same rule, so a dark page never flashes white.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';

const storageKey = 'confab.theme';
const systemDark = window.matchMedia('(prefers-color-scheme: dark)');
const listeners = new Set<() => void>();
let choice: ThemeChoice = readChoice();

function readChoice(): ThemeChoice {
  try {
    const saved = window.localStorage.getItem(storageKey);
    return saved === 'light' || saved === 'dark' ? saved : 'system';
  } catch {
    return 'system';
  }
}

function apply(): void {
  const resolved = choice === 'system' ? (systemDark.matches ? 'dark' : 'light') : choice;
  document.documentElement.dataset.theme = resolved;
}

export function startTheme(): void {
  apply();
  systemDark.addEventListener('change', apply);
}

export function setThemeChoice(next: ThemeChoice): void {
  choice = next;
  try {
    if (next === 'system') window.localStorage.removeItem(storageKey);
    else window.localStorage.setItem(storageKey, next);
  } catch {
    // Storage refused (private mode): the choice lasts for this page.
  }
  apply();
  for (const listener of listeners) listener();
}

export function useThemeChoice(): ThemeChoice {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    () => choice,
  );
}
