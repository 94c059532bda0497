/**
 * An id that makes a send idempotent. `crypto.randomUUID` exists only in secure contexts, and Confab
 * is often opened over plain http on a LAN address; `getRandomValues` works everywhere.
 */
export function newRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `web-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}
