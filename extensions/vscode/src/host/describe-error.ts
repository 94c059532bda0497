import { ConfabClientError } from '../../../../src/client/index.ts';

/** An error as a sentence for a notification or a panel notice (server messages are safe to show). */
export function describeError(error: unknown): string {
  if (ConfabClientError.is(error)) {
    if (error.code === 'network') return 'The Confab server cannot be reached; the extension reconnects by itself.';
    if (error.code === 'timeout') return 'The Confab server did not answer in time.';
    if (error.code === 'unauthorized') return 'The Confab server refused the token ("Confab: Sign In" sets another).';
    if (error.code === 'bad_response') return 'The server at the configured URL does not speak the Confab protocol.';
    return error.message;
  }
  return error instanceof Error && error.message ? error.message : 'Something went wrong.';
}
