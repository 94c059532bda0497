import assert from 'node:assert/strict';
import { it } from 'node:test';
import { matchesTerms, searchableText, searchSnippet, searchTerms } from './search-text.ts';

const text = (value: string, status: 'completed' | 'streaming' = 'completed') => ({ status, parts: [{ id: 'p', kind: 'text' as const, text: value }] });
const marked = ({ snippet, highlights }: { snippet: string; highlights: [number, number][] }) => {
  let out = snippet;
  for (const [start, end] of [...highlights].reverse()) out = `${out.slice(0, start)}[${out.slice(start, end)}]${out.slice(end)}`;
  return out;
};

it('indexes the words of the text parts in lower case, and nothing while a message streams', () => {
  assert.equal(searchableText(text('Deploy the *API* to café-42, then: "done".')), 'deploy the api to café 42 then done');
  assert.equal(searchableText(text('half a repl', 'streaming')), null);
});

it('takes a query\'s words as terms, each once; a message matches when every term starts one of its words', () => {
  const terms = searchTerms('  Deploy deploy API!! ');
  assert.deepEqual(terms, ['deploy', 'api']);
  assert.equal(matchesTerms('we deployed the api', terms), true);
  assert.equal(matchesTerms('we deployed the app', terms), false);
  assert.equal(matchesTerms('redeploy the api', terms), false, 'a term matches the start of a word only');
  assert.deepEqual(searchTerms('?!'), []);
});

it('cuts a snippet around the first match, on word boundaries, with the matches marked', () => {
  const long = `${'lorem ipsum '.repeat(20)}the Deployment\nof the API went fine ${'dolor sit '.repeat(30)}`;
  const snippet = searchSnippet(long, ['deploy', 'api']);
  assert.ok(snippet.snippet.length <= 162);
  assert.ok(marked(snippet).startsWith('…ipsum lorem ipsum lorem ipsum the [Deploy]ment of the [API] went fine dolor'), marked(snippet));
  assert.ok(snippet.snippet.endsWith('…'));
  assert.equal(marked(searchSnippet('Short API note', ['api'])), 'Short [API] note');
});
