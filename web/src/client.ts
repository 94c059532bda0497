import { createClient } from 'confab/client';

/**
 * The one SDK client of the page. The page is served by Confab itself, so the server's origin is
 * ours and the `confab_token` cookie (set by the `/?token=` link `confab serve` prints) signs every
 * request in: no token handling here.
 */
export const client = createClient({ url: window.location.origin });
