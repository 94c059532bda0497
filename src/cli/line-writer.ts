import { colorEnabled, createStyle, type Style } from './terminal-style.ts';

const spinnerFrames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

type OutputStream = { write(text: string): unknown; isTTY?: boolean };

/**
 * One output stream that knows whether its cursor is at the start of a line, so status lines
 * never glue onto streamed text, and that owns the spinner (terminals only, cleared before any
 * other output).
 */
export class LineWriter {
  readonly stream: OutputStream;
  readonly tty: boolean;
  readonly style: Style;
  /** Called before anything is written (chat uses it to clear its prompt). */
  beforeWrite: (() => void) | undefined;
  #atLineStart = true;
  #spinner: { timer: ReturnType<typeof setInterval>; label: string; frame: number } | undefined;

  constructor(stream: OutputStream, env: Record<string, string | undefined>) {
    this.stream = stream;
    this.tty = stream.isTTY === true;
    this.style = createStyle(colorEnabled(stream, env));
  }

  get atLineStart(): boolean {
    return this.#atLineStart;
  }

  write(text: string): void {
    if (text === '') return;
    this.#prepare();
    this.stream.write(text);
    this.#atLineStart = text.endsWith('\n');
  }

  /** `text` on a line of its own. */
  line(text: string): void {
    this.endLine();
    this.write(`${text}\n`);
  }

  /** Moves to the start of a new line unless already there. */
  endLine(): void {
    this.#prepare();
    if (!this.#atLineStart) this.write('\n');
  }

  /** Tells the writer that something else (readline) moved the cursor. */
  setAtLineStart(atLineStart: boolean): void {
    this.#atLineStart = atLineStart;
  }

  /** Shows an animated spinner with `label` on its own line (terminals with colour only); `null` hides it. */
  spinner(label: string | null): void {
    if (label === null) return this.#clearSpinner();
    if (!this.tty || !this.style.enabled) return;
    if (this.#spinner) {
      this.#spinner.label = label;
      return;
    }
    this.endLine();
    this.beforeWrite?.();
    const spinner = { label, frame: 0, timer: setInterval(() => this.#drawSpinner(), 80) };
    spinner.timer.unref();
    this.#spinner = spinner;
    this.#drawSpinner();
  }

  #drawSpinner(): void {
    const spinner = this.#spinner;
    if (!spinner) return;
    this.stream.write(`\r${this.style.dim(`${spinnerFrames[spinner.frame++ % spinnerFrames.length]} ${spinner.label}`)}\x1b[K`);
  }

  #clearSpinner(): void {
    if (!this.#spinner) return;
    clearInterval(this.#spinner.timer);
    this.#spinner = undefined;
    this.stream.write('\r\x1b[K');
  }

  #prepare(): void {
    this.#clearSpinner();
    this.beforeWrite?.();
  }
}
