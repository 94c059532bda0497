import { openaiModelCatalog } from '@ai-sdk/openai/internal';

/**
 * The three facts about an OpenAI model that change a request Confab sends: whether it is a
 * reasoning model, which role the system prompt takes, and whether chat completions accept function
 * tools while it reasons. Known models are read from `@ai-sdk/openai`'s own catalog, so both paths
 * agree; other ids follow the package's family rules, ported from `createOpenAILanguageModelEntry`
 * (o-series and GPT-5+ non-chat models reason; GPT-5.6+ refuses function tools with reasoning in
 * chat completions). The differential test covers both kinds of id.
 */
export type OpenAIModelTraits = {
  reasoning: boolean;
  systemMessageMode: 'system' | 'developer' | 'remove';
  functionToolsWithReasoning: boolean;
};

export function openaiModelTraits(modelId: string): OpenAIModelTraits {
  const entry = Object.hasOwn(openaiModelCatalog, modelId) ? openaiModelCatalog[modelId] : undefined;
  const language = entry?.capabilities.language;
  const requestConfig = entry?.requestConfig?.language;
  if (language != null && requestConfig != null && entry?.providerOptions?.language != null) {
    return {
      reasoning: language.reasoning.support === true,
      systemMessageMode: requestConfig.systemMessageMode,
      functionToolsWithReasoning: language.endpoints.chat.functionToolsWithReasoning,
    };
  }
  const oSeries = /^o(\d+)(?:-|$)/.exec(modelId);
  const gpt = /^gpt-(\d+)(?:\.(\d+))?(?:-(.+))?$/.exec(modelId);
  const major = gpt ? Number(gpt[1]) : undefined;
  const minor = gpt?.[2] === undefined ? undefined : Number(gpt[2]);
  const variant = gpt?.[3];
  const recognized = oSeries != null || gpt != null || /^gpt-4o(?:-|$)/.test(modelId);
  const chatVariant = minor === undefined && (variant?.startsWith('chat') ?? false);
  const reasoning = oSeries != null || (major !== undefined && major >= 5 && !chatVariant);
  return {
    reasoning: recognized && reasoning,
    systemMessageMode: reasoning ? 'developer' : 'system',
    functionToolsWithReasoning: !(major === 5 && (minor ?? 0) >= 6),
  };
}
