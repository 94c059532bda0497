import { ConfabError } from '../domain/errors.ts';

interface SafeParser<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } };
}

/** Validates a command's input against its schema: the data, or `bad_request` naming every issue. */
export function parseInput<T>(schema: SafeParser<T>, input: unknown, what: string): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ConfabError('bad_request', `Invalid ${what}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
  return parsed.data;
}
