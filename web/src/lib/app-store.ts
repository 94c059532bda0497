import { useSyncExternalStore } from 'react';
import type { CatalogEvent, Conversation, ConversationPatch, ConversationSummary, ModelList, NewConversation, Project, RequestLimits, WatchStatus } from 'confab/client';
import { ConfabClientError, watchStatusOf } from 'confab/client';
import { client } from '../client.ts';
import { CatalogLink } from './catalog-link.ts';
import { describeError } from './error-text.ts';

/** What the whole app shares: sign-in, projects, the current project's conversations, models, notices. */
export type AppState = {
  /** `unknown` until the first answer; `unauthorized` when the server refused the cookie. */
  auth: 'unknown' | 'ok' | 'unauthorized';
  /** The page was opened from a sign-in link whose token the server refused (it sent us to `/?signin=invalid-link`). */
  invalidSignInLink: boolean;
  /** Why the first load failed (server down), in words; null once loaded. */
  loadError: string | null;
  projects: Project[] | null;
  projectName: string | null;
  conversations: ConversationSummary[];
  conversationsLoaded: boolean;
  /** Conversations with a run active or queued (from /v1/sessions, the catalog feed and the open watch). */
  busy: Readonly<Record<string, WatchStatus>>;
  models: ModelList | null;
  /** The server's bounds on one message (`GET /v1/limits`); null until known, or from a server without the endpoint. */
  limits: RequestLimits | null;
  /** Whether the last REST call reached the server. */
  reachable: boolean;
  notices: readonly Notice[];
};

export type Notice = { id: number; text: string; tone: 'error' | 'info' };

const projectKey = 'confab.project';
const pageSize = 100;

class AppStore {
  #state: AppState = {
    auth: 'unknown',
    invalidSignInLink: false,
    loadError: null,
    projects: null,
    projectName: null,
    conversations: [],
    conversationsLoaded: false,
    busy: {},
    models: null,
    limits: null,
    reachable: true,
    notices: [],
  };
  readonly #listeners = new Set<() => void>();
  #liveStatus: Record<string, WatchStatus> = {};
  #sessionStatus: Record<string, WatchStatus> = {};
  #noticeId = 0;
  readonly #catalog = new CatalogLink({ apply: (event) => this.#applyCatalog(event), poll: () => void this.poll(), unauthorized: () => this.setUnauthorized() });

  get state(): AppState {
    return this.#state;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  };

  #set(patch: Partial<AppState>): void {
    this.#state = { ...this.#state, ...patch };
    for (const listener of this.#listeners) listener();
  }

  /** First the catalog feed; then projects, models and running states; then the chosen project's conversations. */
  async start(): Promise<void> {
    await this.#catalog.open();
    const query = new URLSearchParams(window.location.search);
    if (query.get('signin') === 'invalid-link') {
      window.history.replaceState(window.history.state, '', window.location.pathname + window.location.hash);
      this.#set({ invalidSignInLink: true });
    }
    this.#catalog.hold();
    try {
      const [projects, models, limits] = await Promise.all([
        client.projects.list(),
        client.models(),
        // A server older than the endpoint: the page checks against the default limits instead.
        client.limits().catch((error: unknown) => (ConfabClientError.is(error, 'not_found') ? null : Promise.reject(error))),
        this.#loadSessions(),
      ]);
      const saved = window.localStorage.getItem(projectKey);
      const projectName = projects.find((project) => project.name === saved)?.name ?? projects[0]?.name ?? null;
      this.#set({ auth: 'ok', loadError: null, projects, models, limits, projectName, reachable: true });
      if (this.#state.invalidSignInLink) this.notify('The sign-in link you opened is not valid for this server; this browser is still signed in from before.', 'info');
      await this.refreshConversations();
    } catch (error) {
      if (ConfabClientError.is(error, 'unauthorized')) return this.#set({ auth: 'unauthorized' });
      this.#set({ loadError: describeError(error), reachable: false });
      window.setTimeout(() => void this.start(), 2000);
    } finally {
      this.#catalog.release();
    }
  }

  #applyCatalog(event: CatalogEvent): void {
    switch (event.type) {
      case 'catalog-reload':
        // The first one comes before the first load, which it makes safe; later ones mean changes were missed.
        if (this.#state.projects !== null) void this.reload();
        return;
      case 'project-created':
        return this.#set({ projects: sortedProjects([...(this.#state.projects ?? []).filter((existing) => existing.name !== event.data.project.name), event.data.project]) });
      case 'project-deleted':
        return this.#projectRemoved(event.data.projectName);
      case 'conversation-created':
      case 'conversation-updated':
        return this.upsertConversation(event.data.conversation);
      case 'conversation-deleted':
        return this.removeConversation(event.data.conversationId);
      case 'session-status': {
        const status = watchStatusOf(event.data.status);
        if (status === 'idle') delete this.#sessionStatus[event.data.conversationId];
        else this.#sessionStatus[event.data.conversationId] = status;
        return this.#set({ busy: this.#mergedBusy() });
      }
    }
  }

  #projectRemoved(projectName: string): void {
    const projects = (this.#state.projects ?? []).filter((project) => project.name !== projectName);
    this.#set({ projects });
    if (this.#state.projectName !== projectName) return;
    const next = projects[0]?.name ?? null;
    if (next) this.selectProject(next);
    else this.#set({ projectName: null, conversations: [], conversationsLoaded: true });
  }

  /** Everything the catalog feed could not replay: projects, models, running states, conversations. */
  async reload(): Promise<void> {
    this.#catalog.hold();
    try {
      const [projects, models] = await Promise.all([client.projects.list(), client.models(), this.#loadSessions()]);
      this.#set({ projects, models, reachable: true });
      const current = this.#state.projectName;
      if (current !== null && !projects.some((project) => project.name === current)) return this.#projectRemoved(current);
      await this.refreshConversations();
    } catch (error) {
      this.#handleBackgroundError(error);
    } finally {
      this.#catalog.release();
    }
  }

  async #loadSessions(): Promise<void> {
    const sessions = await client.sessions();
    this.#sessionStatus = {};
    for (const session of sessions) if (session.status !== 'idle') this.#sessionStatus[session.conversationId] = session.status;
    this.#set({ reachable: true, busy: this.#mergedBusy() });
  }

  /** Refreshes what other tabs and clients may have changed (the Refresh button; the fallback poll): running state and the conversation list. */
  async poll(): Promise<void> {
    try {
      await this.#loadSessions();
      await this.refreshConversations();
      if (this.#state.models?.models.length === 0) this.#set({ models: await client.models() });
    } catch (error) {
      this.#handleBackgroundError(error);
    }
  }

  #handleBackgroundError(error: unknown): void {
    if (ConfabClientError.is(error, 'unauthorized')) this.#set({ auth: 'unauthorized' });
    else if (ConfabClientError.is(error, 'network')) this.#set({ reachable: false });
  }

  async refreshConversations(): Promise<void> {
    const projectName = this.#state.projectName;
    if (!projectName) return this.#set({ conversations: [], conversationsLoaded: true });
    try {
      const conversations: ConversationSummary[] = [];
      for await (const conversation of client.conversations.listAll({ project: projectName, limit: pageSize })) {
        conversations.push(conversation);
        if (conversations.length >= 1000) break;
      }
      if (this.#state.projectName !== projectName) return;
      this.#set({ conversations, conversationsLoaded: true, reachable: true });
    } catch (error) {
      this.#handleBackgroundError(error);
      if (!this.#state.conversationsLoaded) this.#set({ conversationsLoaded: true });
    }
  }

  selectProject(projectName: string): void {
    if (projectName === this.#state.projectName) return;
    window.localStorage.setItem(projectKey, projectName);
    this.#set({ projectName, conversations: [], conversationsLoaded: false });
    void this.refreshConversations();
  }

  async createProject(input: { name: string; path: string }): Promise<Project> {
    const project = await client.projects.create(input);
    this.#set({ projects: sortedProjects([...(this.#state.projects ?? []).filter((existing) => existing.name !== project.name), project]) });
    this.selectProject(project.name);
    return project;
  }

  async createConversation(input: NewConversation): Promise<Conversation> {
    const conversation = await client.conversations.create(input);
    this.upsertConversation(conversation);
    return conversation;
  }

  async renameConversation(conversationId: string, title: string): Promise<void> {
    await this.updateConversation(conversationId, { title });
  }

  async updateConversation(conversationId: string, patch: ConversationPatch): Promise<void> {
    this.upsertConversation(await client.conversations.update(conversationId, patch));
  }

  async deleteConversation(conversationId: string): Promise<void> {
    await client.conversations.delete(conversationId);
    this.removeConversation(conversationId);
  }

  /** A conversation record seen in a watch (title, usage, updatedAt) or returned by a command. */
  upsertConversation(conversation: Conversation): void {
    if (conversation.projectName !== this.#state.projectName) return;
    const list = this.#state.conversations;
    const index = list.findIndex((existing) => existing.id === conversation.id);
    const summary: ConversationSummary = { ...conversation, messageCount: index === -1 ? 0 : list[index].messageCount };
    if (index !== -1 && list[index].updatedAt === summary.updatedAt && list[index].title === summary.title) return;
    const next = list.filter((existing) => existing.id !== conversation.id);
    next.push(summary);
    next.sort((a, b) => b.updatedAt - a.updatedAt);
    this.#set({ conversations: next });
  }

  removeConversation(conversationId: string): void {
    if (!this.#state.conversations.some((conversation) => conversation.id === conversationId)) return;
    this.#set({ conversations: this.#state.conversations.filter((conversation) => conversation.id !== conversationId) });
  }

  /** The open watch knows its conversation's run state before the next poll does. */
  setLiveStatus(conversationId: string, status: WatchStatus | null): void {
    if (status === null || status === 'idle') delete this.#liveStatus[conversationId];
    else this.#liveStatus[conversationId] = status;
    if (status === 'idle') delete this.#sessionStatus[conversationId];
    const busy = this.#mergedBusy();
    if (JSON.stringify(busy) !== JSON.stringify(this.#state.busy)) this.#set({ busy });
  }

  #mergedBusy(): Record<string, WatchStatus> {
    return { ...this.#sessionStatus, ...this.#liveStatus };
  }

  setUnauthorized(): void {
    this.#set({ auth: 'unauthorized' });
  }

  notify(text: string, tone: Notice['tone'] = 'error'): void {
    const id = ++this.#noticeId;
    this.#set({ notices: [...this.#state.notices, { id, text, tone }].slice(-4) });
    window.setTimeout(() => this.dismiss(id), tone === 'error' ? 8000 : 4000);
  }

  /** Shows `error` in words (or the sign-in page on 401), after `what` failed ("Not sent"). */
  fail(error: unknown, what?: string): void {
    if (ConfabClientError.is(error, 'unauthorized')) return this.setUnauthorized();
    this.notify(what ? `${what}: ${describeError(error)}` : describeError(error));
  }

  dismiss(id: number): void {
    this.#set({ notices: this.#state.notices.filter((notice) => notice.id !== id) });
  }
}


function sortedProjects(projects: Project[]): Project[] {
  return projects.sort((a, b) => a.name.localeCompare(b.name));
}

export const appStore = new AppStore();

export function useAppState(): AppState {
  return useSyncExternalStore(appStore.subscribe, () => appStore.state);
}
