import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarizeProfile } from './summarize-cpuprofile.ts';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber, scriptId: '0', columnNumber: 0 });

test('self time is summed per function and per area, idle excluded, and a time window cuts samples', () => {
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)') },
      { id: 2, callFrame: frame('emit', 'file:///repo/src/engine/live-conversation.ts', 41) },
      { id: 3, callFrame: frame('send', 'file:///repo/node_modules/ws/lib/websocket.js', 475) },
      { id: 4, callFrame: frame('(idle)') },
    ],
    startTime: 1_000,
    endTime: 1_000 + 5 * 100,
    samples: [2, 2, 3, 4, 2],
    timeDeltas: [0, 100, 100, 100, 100],
  };
  const all = summarizeProfile(profile);
  assert.deepEqual(all.top.map((entry) => [entry.name, entry.where, entry.selfMs]), [
    ['emit', 'src/engine/live-conversation.ts:42', 0.2],
    ['send', 'node_modules/ws/lib/websocket.js:476', 0.1],
  ]);
  assert.deepEqual(all.byArea.map((entry) => [entry.name, entry.percent]), [['src/engine', 66.7], ['node_modules/ws', 33.3]]);
  const windowed = summarizeProfile(profile, 20, { fromUs: 1_150, toUs: 1_250 });
  assert.deepEqual(windowed.top.map((entry) => entry.name), ['send']);
});
