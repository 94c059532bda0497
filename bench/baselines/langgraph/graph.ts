/**
 * Baseline 3's graph: one node that calls the bench upstream through `@langchain/openai` with
 * streaming on, so the LangGraph API server can stream it in `messages-tuple` mode.
 * `BENCH_UPSTREAM_URL` (the upstream's base URL) is set by the bench when it starts `langgraphjs dev`.
 */
import { ChatOpenAI } from '@langchain/openai';
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';

const model = new ChatOpenAI({
  model: 'bench',
  apiKey: 'bench',
  streaming: true,
  maxRetries: 0,
  configuration: { baseURL: `${process.env.BENCH_UPSTREAM_URL ?? 'http://127.0.0.1:1'}/v1` },
});

export const graph = new StateGraph(MessagesAnnotation)
  .addNode('model', async (state) => ({ messages: [await model.invoke(state.messages)] }))
  .addEdge(START, 'model')
  .addEdge('model', END)
  .compile();
