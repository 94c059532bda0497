import type { z } from 'zod';
import { ConfabError } from '../../domain/errors.ts';

/** Validates `value` with `schema`, or throws `bad_request` naming each problem on one line. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message));
  throw new ConfabError('bad_request', `Invalid ${what}: ${problems.join('; ')}`);
}
