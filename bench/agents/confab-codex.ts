/**
 * Codex driven through Confab, the side of the agent-overhead scenario under test: `confab serve`
 * (its own process, as shipped) with one provider of type `codex`, one conversation watched over
 * SSE, one message at a time. A send is timed from the `POST …/messages` to the first `part-delta`
 * event on the watcher, and to the run's end event.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStream, requestJson, SseFrames } from '../clients/http-request.ts';
import { spawnServer, type SpawnedServer } from '../targets/spawn-server.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const runEnds = new Set(['run-completed', 'run-failed', 'run-stopped', 'run-interrupted']);

type Timed = { type: string; at: number };

export class ConfabCodex {
  readonly #server: SpawnedServer;
  readonly #baseUrl: string;
  readonly #auth: Record<string, string>;
  readonly #conversationId: string;
  readonly #watcher: ClientRequest;
  #listener: (event: Timed) => void = () => {};

  private constructor(server: SpawnedServer, auth: Record<string, string>, conversationId: string) {
    this.#server = server;
    this.#baseUrl = server.match[1];
    this.#auth = auth;
    this.#conversationId = conversationId;
    const frames = new SseFrames();
    this.#watcher = openStream('GET', `${this.#baseUrl}/v1/conversations/${conversationId}/events`, undefined, { ...auth, accept: 'text/event-stream' }, {
      onResponse: () => {},
      onData: (chunk) => {
        const at = performance.now();
        frames.push(chunk, (frame) => {
          const type = /"type":"([^"]+)"/.exec(frame)?.[1];
          if (type) this.#listener({ type, at });
        });
      },
      onEnd: () => {},
      onError: () => {},
    });
  }

  /** Starts Confab with the codex provider (`codex` on `command`, with `env`) and one conversation in `projectDir`. */
  static async start(options: { dataDir: string; projectDir: string; command: string; args: string[]; env: Record<string, string> }): Promise<ConfabCodex> {
    mkdirSync(options.dataDir, { recursive: true });
    const configPath = join(options.dataDir, 'confab.json');
    writeFileSync(configPath, JSON.stringify({ providers: { codex: { type: 'codex', command: options.command, args: options.args, env: options.env } }, defaultModel: 'codex/default' }));
    const token = `bench-${Math.random().toString(36).slice(2)}`;
    const server = await spawnServer({
      command: process.execPath,
      args: ['src/cli/main.ts', 'serve', '--port', '0', '--data-dir', options.dataDir, '--config', configPath],
      cwd: repoRoot,
      env: { CONFAB_TOKEN: token, CONFAB_LOG_LEVEL: 'error' },
      ready: /running at (http:\/\/[^/\s]+)/,
      timeoutMs: 20_000,
    });
    const auth = { authorization: `Bearer ${token}` };
    try {
      const baseUrl = server.match[1];
      const project = await requestJson('POST', `${baseUrl}/v1/projects`, { name: 'agent-bench', path: options.projectDir }, auth);
      if (project.status !== 201) throw new Error(`Confab: creating the project answered ${project.status} ${project.text}`);
      const created = await requestJson('POST', `${baseUrl}/v1/conversations`, { projectName: 'agent-bench' }, auth);
      if (created.status !== 201) throw new Error(`Confab: creating the conversation answered ${created.status} ${created.text}`);
      return new ConfabCodex(server, auth, (JSON.parse(created.text) as { conversation: { id: string } }).conversation.id);
    } catch (error) {
      await server.stop(2_000);
      throw error;
    }
  }

  /** One message: milliseconds from the POST to the first text delta on the watcher, and to the run's end. */
  turn(text: string, timeoutMs: number): Promise<{ firstTokenMs: number; totalMs: number }> {
    const began = performance.now();
    let firstAt: number | undefined;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the Confab run did not end within ${timeoutMs} ms`)), timeoutMs);
      this.#listener = (event) => {
        if (event.type === 'part-delta' && firstAt === undefined) firstAt = event.at;
        if (!runEnds.has(event.type)) return;
        clearTimeout(timer);
        this.#listener = () => {};
        if (event.type !== 'run-completed' || firstAt === undefined) reject(new Error(`the Confab run ended ${event.type} (first token: ${firstAt === undefined ? 'none' : 'seen'})`));
        else resolve({ firstTokenMs: firstAt - began, totalMs: event.at - began });
      };
      requestJson('POST', `${this.#baseUrl}/v1/conversations/${this.#conversationId}/messages`, { content: text }, this.#auth).then(
        (reply) => {
          if (reply.status === 202) return;
          clearTimeout(timer);
          reject(new Error(`Confab: sending answered ${reply.status} ${reply.text}`));
        },
        (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  async stop(): Promise<void> {
    this.#watcher.destroy();
    await this.#server.stop(10_000);
  }
}
