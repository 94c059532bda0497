import { ConfabClientError } from 'confab/client';

/**
 * An error as words a person can act on. Server messages are written to be shown (the protocol
 * guarantees no stack traces); anything that looks like a raw payload is replaced.
 */
export function describeError(error: unknown): string {
  if (ConfabClientError.is(error)) {
    switch (error.code) {
      case 'network':
        return 'Cannot reach the Confab server. Check that it is still running; this page reconnects by itself.';
      case 'timeout':
        return 'The server took too long to answer. Try again in a moment.';
      case 'unauthorized':
        return 'You are not signed in. Open the link `confab serve` printed.';
      case 'closed':
        return 'The request was cancelled.';
      case 'bad_response':
        return 'The server answered with something this page does not understand. Is another program running on this port?';
      default:
        return readable(error.message) ?? 'The server could not do that.';
    }
  }
  if (error instanceof Error) return readable(error.message) ?? 'Something went wrong.';
  return 'Something went wrong.';
}

function readable(message: string): string | null {
  const text = message.trim();
  if (text === '' || text.startsWith('{') || text.startsWith('[') || text.startsWith('<')) return null;
  return text;
}

export function isUnauthorized(error: unknown): boolean {
  return ConfabClientError.is(error, 'unauthorized');
}
