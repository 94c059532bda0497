import { writeFileSync } from 'node:fs';
import { renderEventsDoc } from '../src/events/events-doc.ts';

writeFileSync(new URL('../docs/events.md', import.meta.url), renderEventsDoc());
console.log('wrote docs/events.md');
