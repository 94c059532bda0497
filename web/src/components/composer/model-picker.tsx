import type { ModelInfo } from 'confab/client';

/** The models the server offers (`/v1/models`), grouped by provider. */
export function ModelPicker({ value, models, onChange }: { value: string | null; models: readonly ModelInfo[]; onChange: (model: string) => void }) {
  const providers = [...new Set(models.map((model) => model.provider))];
  const known = value !== null && models.some((model) => model.id === value);
  return (
    <select className="model-picker" aria-label="Model" value={value ?? ''} disabled={models.length === 0} onChange={(event) => onChange(event.target.value)}>
      {models.length === 0 && <option value="">No model configured</option>}
      {value !== null && !known && models.length > 0 && <option value={value}>{value} (not configured)</option>}
      {providers.map((provider) => (
        <optgroup key={provider} label={provider}>
          {models
            .filter((model) => model.provider === provider)
            .map((model) => (
              <option key={model.id} value={model.id}>
                {model.id}
              </option>
            ))}
        </optgroup>
      ))}
    </select>
  );
}
