/**
 * The reliability suite runs twice over the same files: a fast subset inside `npm test`, and the
 * full, longer run under `npm run test:reliability` (which sets CONFAB_RELIABILITY=full). Each test
 * picks its iteration counts and time budgets through `scaled`, so both runs exercise the same code.
 */
export const fullReliabilityRun = process.env.CONFAB_RELIABILITY === 'full';

/** `fast` inside `npm test`, `full` under `npm run test:reliability`. */
export function scaled<T>(fast: T, full: T): T {
  return fullReliabilityRun ? full : fast;
}
