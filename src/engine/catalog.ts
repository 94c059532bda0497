import { ConfabError } from '../domain/errors.ts';
import type { Conversation, Project } from '../domain/schemas.ts';
import { emptyUsage } from '../domain/schemas.ts';
import type { ConversationSummary, MessageSearchHit } from '../domain/records.ts';
import { maxSearchTerms, searchTerms } from '../store/search-text.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from '../util/clock.ts';
import type { IdGenerator } from '../util/ids.ts';
import type { ConversationCache } from './conversation-cache.ts';
import { notify, type EngineObserver } from './engine-observer.ts';
import type { HubLimits } from './hub-options.ts';
import { importedRecords, parseExport } from './import-conversation.ts';
import { prepareProject } from './projects.ts';
import type { ModelResolver } from './run/run-context.ts';
import { validateConversationPatch, type NewConversation } from './validate.ts';

const maxSearchChars = 200;

/**
 * Projects and the list of conversations: records that go straight to the store, with no live
 * state of their own. Every method resolves once its change is stored.
 */
export class Catalog {
  readonly #store: Store;
  readonly #cache: ConversationCache;
  readonly #models: ModelResolver;
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  readonly #limits: HubLimits;
  readonly #observer: EngineObserver | undefined;

  /** `observer` is told of every change once stored (the catalog feed). */
  constructor(options: { store: Store; cache: ConversationCache; models: ModelResolver; clock: Clock; ids: IdGenerator; limits: HubLimits; observer?: EngineObserver }) {
    this.#store = options.store;
    this.#cache = options.cache;
    this.#models = options.models;
    this.#clock = options.clock;
    this.#ids = options.ids;
    this.#limits = options.limits;
    this.#observer = options.observer;
  }

  async createProject(input: { name: unknown; path: unknown }): Promise<Project> {
    const project = await prepareProject(input, this.#clock.now());
    if (await this.#store.getProject(project.name)) throw new ConfabError('bad_request', `A project named "${project.name}" already exists.`);
    const same = (await this.#store.listProjects()).find((existing) => existing.path === project.path);
    if (same) throw new ConfabError('bad_request', `The directory ${project.path} is already registered as project "${same.name}".`);
    await this.#store.createProject(project);
    notify(this.#observer, 'catalogChanged', { type: 'project-created', at: project.createdAt, data: { project } });
    return project;
  }

  listProjects(): Promise<Project[]> {
    return this.#store.listProjects();
  }

  async getProject(name: string): Promise<Project> {
    const project = await this.#store.getProject(name);
    if (!project) throw new ConfabError('not_found', `No project named "${name}".`);
    return project;
  }

  /** Deletes the project and its conversations (stopping their runs). */
  async deleteProject(name: string): Promise<void> {
    await this.getProject(name);
    for (const live of this.#cache.all()) {
      if (live.state.conversation.projectName === name) await this.#cache.unload(live, { kind: 'delete' });
    }
    await this.#store.deleteProject(name);
    notify(this.#observer, 'catalogChanged', { type: 'project-deleted', at: this.#clock.now(), data: { projectName: name } });
  }

  async createConversation(input: NewConversation): Promise<Conversation> {
    const project = await this.getProject(input.projectName);
    if (input.model) this.#models.resolve(input.model);
    const now = this.#clock.now();
    const conversation: Conversation = {
      id: this.#ids('conv'),
      projectName: project.name,
      title: input.title?.trim() ?? '',
      model: input.model ?? '',
      systemPrompt: input.systemPrompt ?? '',
      busyPolicy: input.busyPolicy ?? 'enqueue',
      usage: emptyUsage(),
      cost: null,
      createdAt: now,
      updatedAt: now,
    };
    validateConversationPatch(conversation, this.#limits);
    await this.#store.commit({ conversations: [conversation] });
    notify(this.#observer, 'catalogChanged', { type: 'conversation-created', at: now, data: { conversation } });
    return conversation;
  }

  /**
   * Messages whose text has a word starting with each word of `text` (at most 200 characters and
   * 8 words), newest first; `bad_request` for a query with no words or over those bounds.
   */
  async searchMessages(query: { text: string; projectName?: string; limit?: number }): Promise<MessageSearchHit[]> {
    if (query.text.length > maxSearchChars) throw new ConfabError('bad_request', `The search has ${query.text.length} characters; the limit is ${maxSearchChars}.`);
    const terms = searchTerms(query.text);
    if (terms.length === 0) throw new ConfabError('bad_request', 'The search has no words to look for.');
    if (terms.length > maxSearchTerms) throw new ConfabError('bad_request', `The search has ${terms.length} words; the limit is ${maxSearchTerms}.`);
    if (query.projectName !== undefined) await this.getProject(query.projectName);
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? 20), 1), 100);
    return this.#store.searchMessages({ terms, projectName: query.projectName, limit });
  }

  /**
   * Creates a conversation from an export (`GET …/export`): new ids, in `projectName` (default: the
   * exported one), with the exported model when it is configured here, else `fallbackModel`.
   */
  async importConversation(data: unknown, options: { projectName?: string; fallbackModel: string }): Promise<Conversation> {
    const exported = parseExport(data);
    const project = await this.getProject(options.projectName ?? exported.conversation.projectName);
    const { conversation, messages } = importedRecords(exported, {
      projectName: project.name,
      model: this.#configured(exported.conversation.model) ? exported.conversation.model : options.fallbackModel,
      newId: this.#ids,
      now: this.#clock.now(),
    });
    validateConversationPatch(conversation, this.#limits);
    await this.#store.commit({ conversations: [conversation], messages });
    notify(this.#observer, 'catalogChanged', { type: 'conversation-created', at: conversation.createdAt, data: { conversation } });
    return conversation;
  }

  #configured(model: string): boolean {
    try {
      this.#models.resolve(model);
      return model !== '';
    } catch {
      return false;
    }
  }

  listConversations(query: { projectName?: string; limit?: number; before?: number }): Promise<ConversationSummary[]> {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? 50), 1), 200);
    return this.#store.listConversations({ projectName: query.projectName, limit, before: query.before });
  }
}
