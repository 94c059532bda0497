/**
 * The one Confab connection of the window: the server URL from the settings, the token from VS Code's
 * SecretStorage (never in settings, never sent to a page), and one SDK client that every panel and
 * the conversation list share. Signed out means no client at all, so nothing tries to connect.
 */
import { createClient, type ClientOptions, type ConfabClient, type ConnectionState } from '../../../../src/client/index.ts';

/** The slice of `vscode.SecretStorage` used here. */
export type Secrets = {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
};

export type ConnectionOptions = {
  secrets: Secrets;
  /** The `confab.serverUrl` setting, read each time (it may change). */
  serverUrl(): string;
  /** Injected in tests; `createClient` otherwise. */
  createClient?: (options: ClientOptions) => ConfabClient;
};

export function normalizeServerUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

export function tokenKey(serverUrl: string): string {
  return `confab.token:${normalizeServerUrl(serverUrl)}`;
}

export class ConfabConnection {
  readonly #options: ConnectionOptions;
  readonly #listeners = new Set<() => void>();
  readonly #stateListeners = new Set<(state: ConnectionState) => void>();
  #client: ConfabClient | null = null;
  #url = '';
  #unsubscribe: (() => void) | null = null;

  constructor(options: ConnectionOptions) {
    this.#options = options;
  }

  /** Null while signed out. Replaced (and the old one closed) on sign-in, sign-out and a URL change. */
  get client(): ConfabClient | null {
    return this.#client;
  }

  get signedIn(): boolean {
    return this.#client !== null;
  }

  get url(): string {
    return this.#url || normalizeServerUrl(this.#options.serverUrl());
  }

  /** Called when the client is replaced or signed in/out. */
  onDidChangeClient(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The current client's connection state changes (open, reconnecting, …). */
  onDidChangeState(listener: (state: ConnectionState) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /** Reads the stored token for the configured URL; with one, a client is made (it connects when first used). */
  async load(): Promise<void> {
    const url = normalizeServerUrl(this.#options.serverUrl());
    const token = await this.#options.secrets.get(tokenKey(url));
    this.#replace(url, token ?? null);
  }

  /**
   * Checks the token against the server (a request that needs it) before storing it, so a typo
   * is refused at once. Throws the SDK's error (`unauthorized`, `network`, …); stores nothing then.
   */
  async signIn(url: string, token: string): Promise<void> {
    const normalized = normalizeServerUrl(url);
    const candidate = this.#make(normalized, token);
    try {
      await candidate.projects.list();
    } finally {
      await candidate.close();
    }
    await this.#options.secrets.store(tokenKey(normalized), token);
    this.#replace(normalized, token);
  }

  async signOut(): Promise<void> {
    await this.#options.secrets.delete(tokenKey(this.url));
    this.#replace(this.url, null);
  }

  async dispose(): Promise<void> {
    this.#unsubscribe?.();
    const old = this.#client;
    this.#client = null;
    await old?.close();
  }

  #make(url: string, token: string): ConfabClient {
    return (this.#options.createClient ?? createClient)({ url, token });
  }

  #replace(url: string, token: string | null): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    const old = this.#client;
    this.#url = url;
    this.#client = token ? this.#make(url, token) : null;
    if (this.#client) {
      this.#unsubscribe = this.#client.onConnectionChange((state) => {
        for (const listener of this.#stateListeners) listener(state);
      });
    }
    void old?.close();
    for (const listener of this.#listeners) listener();
  }
}
