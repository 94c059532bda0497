import { EventEmitter } from 'node:events';

type Terminal = NodeJS.WritableStream & { columns?: number; rows?: number; isTTY?: boolean };

/**
 * The stream readline writes its echo and line editing to: the terminal while the prompt is shown,
 * nothing while it is held (a reply is being written). Keystrokes typed meanwhile still edit
 * readline's line, which the prompt redraws in full when it comes back, so typing never lands
 * inside a reply. Columns, rows and `resize` are the terminal's.
 */
export class HeldOutput extends EventEmitter {
  held = true;
  readonly #terminal: Terminal;
  readonly #onResize = () => this.emit('resize');

  constructor(terminal: Terminal) {
    super();
    this.#terminal = terminal;
    terminal.on('resize', this.#onResize);
  }

  get columns(): number | undefined {
    return this.#terminal.columns;
  }

  get rows(): number | undefined {
    return this.#terminal.rows;
  }

  get isTTY(): boolean {
    return this.#terminal.isTTY === true;
  }

  /** `write(chunk[, encoding][, callback])`, as readline and `cursorTo` call it. */
  write(chunk: string | Uint8Array, ...rest: unknown[]): boolean {
    if (!this.held) return (this.#terminal.write as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean)(chunk, ...rest);
    const callback = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined;
    if (callback) queueMicrotask(callback);
    return true;
  }

  close(): void {
    this.#terminal.off('resize', this.#onResize);
  }
}
