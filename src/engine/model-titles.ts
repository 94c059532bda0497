import { isAgentSource } from '../agents/agent-source.ts';
import { ConfabError } from '../domain/errors.ts';
import type { ConversationState, Cost, Message, Run, Usage } from '../domain/schemas.ts';
import type { ConfabEvent } from '../events/definitions.ts';
import { computeCost, estimateTokens, type Pricing } from '../providers/pricing.ts';
import type { StepSource } from '../providers/stream-part.ts';
import type { Logger } from '../util/logger.ts';
import type { EngineObserver } from './engine-observer.ts';
import type { ModelResolver } from './run/run-context.ts';
import { titleFromMessage, titleFromModelReply } from './title.ts';

/**
 * Titles written by a model (the operator's `titleModel`): after a conversation's first reply, one
 * short request to that model with the first question and answer; its answer becomes the title.
 *
 * It never holds up or fails a run: it starts after the run ended (seen as the `run-completed`
 * event), and a failure (the model's error, an empty answer, the time bound) is logged while the
 * first message's title stays. Only that automatic title is replaced: a conversation created with
 * a title, or renamed before the answer came, keeps its title. The request's usage and cost are
 * added to the conversation's totals (`conversation.usage`, `conversation.cost`), title applied or
 * not, in the same `conversation-updated` event.
 */
export type GeneratedTitle = {
  /** The title the conversation must still have for `title` to replace it: the one the first message gave. */
  expectedTitle: string;
  title: string | null;
  usage: Usage;
  cost: Cost | null;
};

/** What this needs of the hub: the state, and one atomic compare-and-set of the title that also counts the usage. */
export type TitleHub = {
  getConversation(conversationId: string): Promise<{ state: ConversationState }>;
  applyGeneratedTitle(conversationId: string, title: GeneratedTitle): Promise<boolean>;
};

export type ModelTitlesOptions = {
  model: string;
  models: ModelResolver;
  logger: Logger;
  /** Bound on one title request. Default 30 s. */
  timeoutMs?: number;
  /** Title requests at once; a first reply past it keeps its first-message title (logged). Default 8. */
  maxInFlight?: number;
};

/** Characters of the first question and of the first answer sent to the title model. */
const promptExcerptChars = 2_000;
/** The answer is cut off (the request aborted) past this many characters: a title is a few words. */
const maxAnswerChars = 400;
const instructions =
  'You name conversations. Reply with a title for the conversation below: at most six words, in the language of the question, ' +
  'no quotes, no final punctuation, nothing else.';

export class ModelTitles {
  readonly #model: string;
  readonly #source: StepSource;
  readonly #pricing: Pricing | undefined;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #maxInFlight: number;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #closing = new AbortController();
  #hub: TitleHub | undefined;

  /** Throws ConfabError `unknown_model` when `model` is not configured, `bad_request` when it is a coding agent. */
  constructor(options: ModelTitlesOptions) {
    const resolved = resolveTitleModel(options.models, options.model);
    if (isAgentSource(resolved.source)) throw new ConfabError('bad_request', `titleModel ${options.model} is a coding agent; give a provider model.`);
    this.#model = options.model;
    this.#source = resolved.source;
    this.#pricing = resolved.pricing;
    this.#logger = options.logger;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxInFlight = options.maxInFlight ?? 8;
  }

  /** The hub whose conversations get titles; set once it exists (it takes this as an observer first). */
  attach(hub: TitleHub): void {
    this.#hub = hub;
  }

  /** Watches for the end of each conversation's first reply. */
  readonly observer: EngineObserver = {
    eventsAppended: (events) => {
      for (const event of events) if (isCompletedRun(event)) this.#start(event.conversationId, event.data.run);
    },
  };

  /** Aborts title requests under way and waits for them to end. */
  async close(): Promise<void> {
    this.#closing.abort();
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Resolves once no title request is under way (for tests). */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #start(conversationId: string, run: Run): void {
    const hub = this.#hub;
    if (!hub || this.#closing.signal.aborted) return;
    if (this.#inFlight.size >= this.#maxInFlight) {
      this.#logger.warn('title not written: too many title requests at once', { conversationId, limit: this.#maxInFlight });
      return;
    }
    const task = this.#write(hub, conversationId, run.id).catch((error: unknown) => {
      // The code only: a provider's message may quote the request, and logs carry no conversation text.
      this.#logger.warn('title not written', { conversationId, model: this.#model, errorCode: codeOf(error) });
    });
    this.#inFlight.add(task);
    void task.finally(() => this.#inFlight.delete(task));
  }

  async #write(hub: TitleHub, conversationId: string, runId: string): Promise<void> {
    const { state } = await hub.getConversation(conversationId);
    const exchange = firstExchange(state, runId);
    if (!exchange) return;
    const answer = await this.#ask(exchange.question, exchange.reply);
    const title = titleFromModelReply(answer.text);
    const applied = await hub.applyGeneratedTitle(conversationId, { expectedTitle: exchange.expectedTitle, title: title === '' ? null : title, usage: answer.usage, cost: computeCost(answer.usage, this.#pricing) });
    if (title === '') this.#logger.warn('title not written: the title model answered no words', { conversationId, model: this.#model });
    else if (applied) this.#logger.info('title written', { conversationId, model: this.#model, inputTokens: answer.usage.inputTokens, outputTokens: answer.usage.outputTokens });
  }

  async #ask(question: string, reply: string): Promise<{ text: string; usage: Usage }> {
    const cutOff = new AbortController();
    const signal = AbortSignal.any([this.#closing.signal, cutOff.signal, AbortSignal.timeout(this.#timeoutMs)]);
    const prompt = `Question:\n${question.slice(0, promptExcerptChars)}\n\nAnswer:\n${reply.slice(0, promptExcerptChars)}`;
    let text = '';
    let reported: Usage | undefined;
    try {
      for await (const part of this.#source.stream({ system: instructions, messages: [{ role: 'user', text: prompt }], tools: [], signal })) {
        if (part.type === 'text-delta') text += part.delta;
        else if (part.type === 'finish') reported = part.usage;
        if (text.length > maxAnswerChars) {
          cutOff.abort();
          break;
        }
      }
    } catch (error) {
      if (!cutOff.signal.aborted) throw error;
    }
    const usage = reported ?? { inputTokens: estimateTokens(instructions + prompt), outputTokens: estimateTokens(text), estimated: true };
    return { text, usage };
  }
}

function resolveTitleModel(models: ModelResolver, model: string): ReturnType<ModelResolver['resolve']> {
  try {
    return models.resolve(model);
  } catch (error) {
    if (error instanceof ConfabError) throw new ConfabError(error.code, `titleModel: ${error.message}`);
    throw error;
  }
}

type CompletedRunEvent = Extract<ConfabEvent, { type: 'run-completed' }>;

function isCompletedRun(event: ConfabEvent): event is CompletedRunEvent {
  return event.type === 'run-completed';
}

/**
 * The first question and its reply when `runId` gave the conversation its first completed reply
 * and the title is still the one the first message gave it; otherwise nothing is to be done.
 */
function firstExchange(state: ConversationState, runId: string): { question: string; reply: string; expectedTitle: string } | undefined {
  const completed = state.runs.filter((run) => run.status === 'completed');
  if (completed.length !== 1 || completed[0].id !== runId) return undefined;
  const firstQuestion = state.messages.find((message) => message.role === 'user');
  const reply = state.messages.find((message) => message.role === 'assistant' && message.runId === runId);
  if (!firstQuestion || !reply) return undefined;
  const question = textOf(firstQuestion);
  const expectedTitle = titleFromMessage(question);
  if (expectedTitle === '' || state.conversation.title !== expectedTitle) return undefined;
  return { question, reply: textOf(reply), expectedTitle };
}

function textOf(message: Message): string {
  return message.parts.map((part) => (part.kind === 'text' ? part.text : '')).join('');
}

function codeOf(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  return typeof code === 'string' ? code : 'internal';
}
