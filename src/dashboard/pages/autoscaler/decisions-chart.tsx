import { TimeChart } from '../../lib/time-chart.tsx';
import { type Decision, decisionSeries } from './model.ts';

/** Desired against actual replicas over the recent decisions, and the backlog each one saw. */
export function DecisionsChart({ decisions }: { decisions: readonly Decision[] }) {
  if (decisions.length === 0) return <p>No decisions yet: the autoscaler has not ticked for this target.</p>;
  const series = decisionSeries(decisions);
  const whole = (value: number) => String(Math.round(value));
  return (
    <div class="chart-grid">
      <TimeChart
        title="Desired and actual replicas"
        x={series.x}
        series={[
          { label: 'desired', values: series.desired },
          { label: 'actual', values: series.actual },
        ]}
        format={whole}
      />
      {series.backlog.some((value) => value !== null) && (
        <TimeChart
          title="Backlog (ready and leased jobs)"
          x={series.x}
          series={[{ label: 'backlog', values: series.backlog }]}
          format={whole}
        />
      )}
    </div>
  );
}
