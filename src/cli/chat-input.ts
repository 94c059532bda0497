import { createInterface, type Interface } from 'node:readline';
import { HeldOutput } from './held-output.ts';
import type { LineWriter } from './line-writer.ts';

/**
 * The chat's input, over node:readline. Interactive (a terminal on both ends): line editing,
 * history, a prompt shown only while idle and hidden before any output, Ctrl-C reported as an
 * interrupt. While the prompt is hidden readline's echo is held (HeldOutput): what is typed during a
 * reply does not land inside it, and appears on the prompt when it comes back. Otherwise: plain
 * lines, no prompt. Lines typed while the chat is busy wait in a queue (unbounded only in the sense
 * that a human types them; piped input is read as it is consumed).
 */
export class ChatInput {
  readonly interactive: boolean;
  readonly #rl: Interface;
  readonly #writer: LineWriter;
  readonly #output: NodeJS.WritableStream;
  readonly #echo: HeldOutput | undefined;
  readonly #prompt: string;
  readonly #lines: string[] = [];
  #waiter: (() => void) | undefined;
  #ended = false;
  #promptShown = false;

  constructor(options: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; writer: LineWriter; interactive: boolean; prompt: string; onInterrupt: () => void }) {
    this.interactive = options.interactive;
    this.#writer = options.writer;
    this.#output = options.output;
    this.#prompt = options.prompt;
    this.#echo = options.interactive ? new HeldOutput(options.output) : undefined;
    const output = this.#echo as NodeJS.WritableStream | undefined;
    this.#rl = createInterface({ input: options.input, output, terminal: options.interactive, prompt: options.prompt, historySize: 200 });
    this.#rl.on('line', (line) => {
      if (this.#promptShown) {
        // readline moved to a new line after the Enter; what is typed next waits for the prompt.
        this.#promptShown = false;
        this.#echo!.held = true;
        this.#writer.setAtLineStart(true);
      }
      this.#lines.push(line);
      // Piped input: read no further than needed (each line is handled before the next is read).
      if (!this.interactive && this.#lines.length > 1) this.#rl.pause();
      this.#wake();
    });
    this.#rl.on('close', () => {
      this.#ended = true;
      this.#wake();
    });
    this.#rl.on('SIGINT', options.onInterrupt);
    options.writer.beforeWrite = () => this.hidePrompt();
  }

  /** The next line, or null at the end of input. */
  async next(): Promise<string | null> {
    while (this.#lines.length === 0 && !this.#ended) {
      if (!this.interactive) this.#rl.resume();
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
    return this.#lines.shift() ?? null;
  }

  /** What is typed on the prompt line now (interactive only). */
  get currentLine(): string {
    return this.interactive ? this.#rl.line : '';
  }

  clearCurrentLine(): void {
    if (!this.interactive) return;
    this.#rl.write(null, { ctrl: true, name: 'u' });
    this.#rl.write(null, { ctrl: true, name: 'k' });
  }

  showPrompt(): void {
    if (!this.interactive || this.#promptShown || this.#ended) return;
    this.#writer.endLine();
    this.#promptShown = true;
    this.#echo!.held = false;
    // Whatever readline believes it drew while held is not on screen: the prompt starts on a fresh row.
    (this.#rl as unknown as { prevRows: number }).prevRows = 0;
    this.#rl.setPrompt(this.#prompt);
    this.#rl.prompt(true);
    this.#writer.setAtLineStart(false);
  }

  hidePrompt(): void {
    if (!this.#promptShown) return;
    this.#promptShown = false;
    this.#echo!.held = true;
    this.#output.write('\r\x1b[K');
    this.#writer.setAtLineStart(true);
  }

  close(): void {
    this.hidePrompt();
    this.#ended = true;
    this.#rl.close();
    this.#echo?.close();
    this.#wake();
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }
}
