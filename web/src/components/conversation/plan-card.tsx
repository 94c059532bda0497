import type { PlanEntry, PlanPart } from 'confab/client';

const mark: Record<PlanEntry['status'], string> = { completed: '✓', in_progress: '◐', pending: '○' };
const label: Record<PlanEntry['status'], string> = { completed: 'done', in_progress: 'in progress', pending: 'to do' };

/** A coding agent's plan or to-do list, as it stands (each update replaces it whole). */
export function PlanCard({ plan }: { plan: PlanPart }) {
  const done = plan.entries.filter((entry) => entry.status === 'completed').length;
  return (
    <section className="tool-card plan-card" data-testid="plan-card" aria-label="Plan">
      <div className="plan-head">
        Plan <span className="plan-progress">{done} of {plan.entries.length} done</span>
      </div>
      <ul className="plan-entries">
        {plan.entries.map((entry, index) => (
          <li key={index} className={`plan-entry plan-${entry.status}`}>
            <span aria-label={label[entry.status]} className="plan-mark">{mark[entry.status]}</span> {entry.content}
          </li>
        ))}
      </ul>
    </section>
  );
}
