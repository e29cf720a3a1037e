import { useState } from 'preact/hooks';
import { Figure, Figures, LoadError, Panel } from '../../components/figures.tsx';
import { ApiError, query } from '../../lib/api.ts';
import { formatNumber, formatTime } from '../../lib/format.ts';
import { usePoll } from '../../lib/use-poll.ts';
import { canOperate, type PageProps } from '../../shell/page.ts';
import { href } from '../../shell/router.ts';
import { DecisionsChart } from './decisions-chart.tsx';
import { DecisionsPager, DecisionsTable } from './decisions-table.tsx';
import { LastDecision } from './last-decision.tsx';
import { type Decision, type ScaledTarget, targetApiPath, topicHref } from './model.ts';
import { ActionOutcome, type ActionResult, TargetActions } from './target-actions.tsx';

/** Decisions drawn in the chart: the most recent ones, whatever page the table shows. */
const CHART_DECISIONS = 200;
/** Decisions a page of the table holds. */
const PAGE_DECISIONS = 25;

/** "(set by an operator)" after a figure an operator changed, since the configuration says otherwise. */
function operatorMark(target: ScaledTarget, field: string): string {
  return target.changed_by_operator.includes(field) ? ' (set by an operator)' : '';
}

function TargetFigures({ target }: { target: ScaledTarget }) {
  const short = target.actual !== null && target.desired !== null && target.actual !== target.desired;
  return (
    <Figures label={`Scaled target ${target.name}`}>
      <Figure
        label="Paused"
        value={`${target.paused ? 'yes' : 'no'}${operatorMark(target, 'paused')}`}
        tone={target.paused ? 'warn' : undefined}
      />
      <Figure
        label="Bounds"
        value={`${target.min_replicas}–${target.max_replicas}${
          operatorMark(target, 'min_replicas') || operatorMark(target, 'max_replicas')
        }`}
      />
      <Figure label="Desired" value={formatNumber(target.desired)} />
      <Figure label="Actual" value={formatNumber(target.actual)} tone={short ? 'warn' : undefined} />
      <Figure
        label="Topic"
        value={target.topic === null ? 'none' : <a href={topicHref(target.topic)}>{target.topic}</a>}
      />
      <Figure label="Deployer" value={target.deployer} />
      <Figure label="Policies" value={target.policies.join(', ') || 'none'} />
      {target.sources.length > 0 && (
        <Figure label="Sources" value={target.sources.map((s) => `${s.name} (${s.kind})`).join(', ')} />
      )}
      <Figure
        label="Last scaled"
        value={target.last_scaled_at_ms === null ? 'never' : formatTime(target.last_scaled_at_ms)}
      />
    </Figures>
  );
}

/**
 * One scaled target: its figures, desired against actual replicas and the backlog over its
 * recent decisions, the decisions paged with `before`, and an operator's controls.
 */
export default function Target({ params, query: fragment, who }: PageProps) {
  const name = params['name'] ?? '';
  const before = fragment.get('before') ?? '';
  const target = usePoll<ScaledTarget>(targetApiPath(name));
  const recent = usePoll<{ decisions: Decision[] }>(
    `/autoscaler/decisions${query({ target: name, limit: CHART_DECISIONS })}`,
  );
  // The newest page is the chart's first decisions; an older one is read on its own.
  const older = usePoll<{ decisions: Decision[] }>(
    before === '' ? null : `/autoscaler/decisions${query({ target: name, limit: PAGE_DECISIONS, before })}`,
  );
  const [outcome, setOutcome] = useState<ActionResult | null>(null);
  const t = target.data;
  // A name the configuration does not declare: its 404 says which ones it does, and that is all.
  const unknown = target.error instanceof ApiError && target.error.status === 404;
  const page = before === '' ? recent.data?.decisions.slice(0, PAGE_DECISIONS) : older.data?.decisions;
  const last = page?.[page.length - 1];
  const olderFrom =
    page !== undefined && page.length === PAGE_DECISIONS && last !== undefined ? last.id : null;

  function done(result: ActionResult): void {
    setOutcome(result);
    target.refresh();
  }

  return (
    <>
      <p class="crumbs">
        <a href={href('/autoscaler')}>Autoscaler</a>
      </p>
      <h1 tabIndex={-1}>Scaled target {name}</h1>
      <LoadError error={target.error} />
      {t !== undefined && (
        <>
          <Panel title="Now" id="now">
            <TargetFigures target={t} />
            {/* A div, not a p: the decision's proposals are a list. */}
            <div>
              Last decision: <LastDecision decision={t.last_decision} />
            </div>
          </Panel>
          {canOperate(who) && (
            <Panel title="Operator actions" id="actions">
              <ActionOutcome result={outcome} />
              <TargetActions target={t} onDone={done} />
            </Panel>
          )}
        </>
      )}
      {!unknown && (
        <>
          <Panel title="Recent decisions" id="chart">
            <LoadError error={recent.error} />
            {recent.data !== undefined && <DecisionsChart decisions={recent.data.decisions} />}
          </Panel>
          <Panel title={before === '' ? 'Decisions, newest first' : 'Older decisions'} id="decisions">
            <LoadError error={before === '' ? undefined : older.error} />
            {page !== undefined && page.length === 0 && (
              <p>No decisions{before === '' ? ' yet' : ' before these'}.</p>
            )}
            {page !== undefined && page.length > 0 && (
              <DecisionsTable decisions={page} caption={`Decisions of ${name}, newest first`} />
            )}
            {page !== undefined && <DecisionsPager target={name} before={before} older={olderFrom} />}
          </Panel>
        </>
      )}
    </>
  );
}
