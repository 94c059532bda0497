/** The bench's handle on the upstream process: start, counters, kept texts, stop. */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requestJson } from '../clients/http-request.ts';
import type { Percentiles } from '../measure/latency-histogram.ts';

const entry = fileURLToPath(new URL('./upstream-process.ts', import.meta.url));

export type UpstreamStats = { streamsStarted: number; streamsCompleted: number; streamsAborted: number; tokensSent: number; active: number; lateness: Percentiles };

export type UpstreamHandle = {
  url: string;
  pid: number;
  stats(): Promise<UpstreamStats>;
  resetStats(): Promise<void>;
  /** The exact text the stream with this key sent, or undefined when the upstream does not know it. */
  text(key: string): Promise<string | undefined>;
  stop(): Promise<void>;
};

export async function startUpstream(): Promise<UpstreamHandle> {
  const child = fork(entry, [], { execPath: process.execPath, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { type: string; url: string }) => resolve(message.url));
    child.once('exit', (code) => reject(new Error(`the upstream exited (${code}) before it was ready`)));
  });
  return {
    url,
    pid: child.pid!,
    stats: async () => JSON.parse((await requestJson('GET', `${url}/bench/stats`, undefined)).text) as UpstreamStats,
    resetStats: async () => void (await requestJson('POST', `${url}/bench/stats/reset`, undefined)),
    async text(key) {
      const reply = await requestJson('GET', `${url}/bench/text/${encodeURIComponent(key)}`, undefined);
      return reply.status === 200 ? reply.text : undefined;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
