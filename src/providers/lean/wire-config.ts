import type { ProviderOptions } from '../provider-config.ts';

/** What a lean wire needs to know about one model of one configured provider. */
export type WireConfig = {
  /** The configured provider's name (the key of its `providerOptions` for openai-compatible). */
  providerName: string;
  modelId: string;
  /** Without a trailing slash, e.g. `https://api.openai.com/v1`. */
  baseURL: string;
  apiKey: string | undefined;
  headers: Record<string, string> | undefined;
  providerOptions: ProviderOptions | undefined;
};

const userAgent = 'confab (lean reader)';

/**
 * Request headers: the wire's own (authentication, versions), then the configured ones, which win
 * (as in the AI SDK provider factories); names lower-cased.
 */
export function requestHeaders(own: Record<string, string | undefined>, configured: Record<string, string> | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': userAgent };
  for (const source of [own, configured ?? {}]) {
    for (const [name, value] of Object.entries(source)) if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  return headers;
}

/** `<baseURL><path>` as a URL (the AI SDK joins them the same way). */
export function endpoint(baseURL: string, path: string): URL {
  return new URL(`${baseURL}${path}`);
}

/** Option keys a wire implements; anything else in the options means the model runs on the AI SDK. */
export function unsupportedKeys(options: Record<string, unknown> | undefined, supported: ReadonlySet<string>): string[] {
  return Object.keys(options ?? {}).filter((key) => !supported.has(key));
}
