/**
 * Resolves at the first SIGINT, SIGTERM or SIGHUP (closing the terminal a server runs in must not
 * skip its final checkpoint); a second signal while the caller shuts down exits at once. Install it
 * before announcing readiness: whoever reads the announcement may signal at once.
 */
export function stopSignal(): Promise<void> {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  return new Promise<void>((resolve) => {
    const onSignal = () => {
      for (const signal of signals) process.off(signal, onSignal);
      const force = () => process.exit(1);
      for (const signal of signals) process.once(signal, force);
      resolve();
    };
    for (const signal of signals) process.on(signal, onSignal);
  });
}

/** Closes what the command runs, then exits: 0, or 1 with the reason when closing failed. */
export async function closeAndExit(command: string, close: () => Promise<void>): Promise<never> {
  try {
    await close();
  } catch (error) {
    process.stderr.write(`${command}: shutdown failed: ${(error as Error).message}\n`);
    process.exit(1);
  }
  // Timers other modules may still hold (idle releases) must not keep a stopped process alive.
  process.exit(0);
}
