import { parseArgs } from 'node:util';

/** A mistake in how a command was called: exit code 2, with a hint to read the command's help. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure the user can act on (not found, refused, unreachable): exit code 1, message as is. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: false };

/** Options every command that talks to a server accepts. */
export const connectionOptions = {
  url: { type: 'string' },
  token: { type: 'string' },
  'data-dir': { type: 'string' },
} as const satisfies Record<string, OptionSpec>;

export const helpOption = { help: { type: 'boolean', short: 'h' } } as const satisfies Record<string, OptionSpec>;

type Values<O extends Record<string, OptionSpec>> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string;
};

/**
 * `parseArgs`, strict, with positionals allowed; unknown or malformed options become a UsageError.
 * `--` ends the options (so a question may start with `-`).
 */
export function parseCommandArgs<O extends Record<string, OptionSpec>>(argv: string[], options: O): { values: Values<O>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
    return { values: values as Values<O>, positionals };
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
}

/**
 * `parseArgs`' errors in our words: its unknown-option message leaves a quote open (`as in '-- "--x"`),
 * and its missing-value one names the option as `'--project <value>'`.
 */
export function describeParseError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const option = /^(?:Unknown option|Option) '(-[^' ]*)/.exec(message ?? '')?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) {
    return `unknown option "${option}". To pass an argument that starts with "-", put it after "--", as in: -- "${option}"`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option && /argument missing/.test(message ?? '')) return `option ${option} needs a value.`;
  return message ?? String(error);
}

/** A positive integer option within bounds, or a UsageError naming the option. */
export function integerOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < min || number > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${value}".`);
  return number;
}

/** Exactly `count` positionals named `names`, else a UsageError. */
export function expectPositionals(positionals: string[], names: string[]): string[] {
  if (positionals.length < names.length) throw new UsageError(`missing ${names.slice(positionals.length).map((name) => name.toUpperCase()).join(' and ')}.`);
  if (positionals.length > names.length) throw new UsageError(`unexpected argument "${positionals[names.length]}".`);
  return positionals;
}
