import type { LineWriter } from './line-writer.ts';
import type { Style } from './terminal-style.ts';

export type StatusTone = 'info' | 'error' | 'ok';

/**
 * Where a reply goes: its text to one writer, status lines (tool calls, retries, run ends) to
 * another or the same one. `ask` sends text to stdout and status to stderr; `chat` sends both to
 * stdout. When both writers are one terminal, a status line first ends the text's line.
 */
export class Screen {
  readonly text: LineWriter;
  readonly status: LineWriter;

  constructor(text: LineWriter, status: LineWriter = text) {
    this.text = text;
    this.status = status;
  }

  get style(): Style {
    return this.status.style;
  }

  /** Whether both writers show on the same terminal. */
  get shared(): boolean {
    return this.text === this.status || (this.text.tty && this.status.tty);
  }

  writeText(text: string): void {
    if (this.text !== this.status) this.status.spinner(null);
    this.text.write(text);
  }

  /** A dim (info), red (error) or green (ok) line of its own. */
  statusLine(line: string, tone: StatusTone = 'info'): void {
    if (this.shared && this.text !== this.status) this.text.endLine();
    const style = this.status.style;
    this.status.line(tone === 'error' ? style.red(line) : tone === 'ok' ? style.green(line) : style.dim(line));
  }

  /** Ends the reply's line (a reply always ends with a newline on screen). */
  endText(): void {
    this.text.endLine();
  }

  spinner(label: string | null): void {
    if (label !== null && this.shared && !this.text.atLineStart) return;
    this.status.spinner(label);
  }
}
