import { setThemeChoice, useThemeChoice, type ThemeChoice } from '../../lib/theme.ts';

/** System, light or dark; remembered in this browser. */
export function ThemeSelect() {
  const choice = useThemeChoice();
  return (
    <select className="theme-select" aria-label="Theme" title="Theme" value={choice} onChange={(event) => setThemeChoice(event.target.value as ThemeChoice)}>
      <option value="system">System</option>
      <option value="light">Light</option>
      <option value="dark">Dark</option>
    </select>
  );
}
