import { breakdownKinds, OTHER_VALUE } from '../counting/breakdowns.ts'
import { formatCount, formatDate } from './format.ts'
import {
  type BreakdownKey,
  breakdownColumns,
  breakdownKeys,
  breakdownTitles,
  type Report,
  valueLabel,
} from './insight-figures.ts'

const share = (count: number, views: number) => (views === 0 ? 0 : count / views)
const percent = (fraction: number) => `${Math.round(fraction * 100)}\u00a0%`

// The share as an SVG bar: its width is an attribute, not a style, so the CSP's one-stylesheet rule
// (style-src by hash, no inline style attributes) still holds.
function ShareBar({ fraction }: { fraction: number }) {
  return (
    <svg class="share" viewBox="0 0 100 4" preserveAspectRatio="none" aria-hidden="true">
      <rect width={(fraction * 100).toFixed(2)} height="4" />
    </svg>
  )
}

function BreakdownTable({ kind, report }: { kind: BreakdownKey; report: Report }) {
  const id = `${kind}-heading`
  // Shares of what the table covers: the range's views from the first day with breakdowns.
  const covered = report[kind].reduce((sum, row) => sum + row.count, 0)
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{breakdownTitles[kind]}</h2>
      <table class="breakdown">
        <thead>
          <tr>
            <th scope="col">{breakdownColumns[kind]}</th>
            <th class="num" scope="col">
              Views
            </th>
            <th class="num" scope="col">
              Share
            </th>
          </tr>
        </thead>
        <tbody>
          {report[kind].map((row) => (
            <tr>
              <td class={row.value === null || row.value === OTHER_VALUE ? 'value muted' : 'value'}>
                {valueLabel(kind, row)}
                <ShareBar fraction={share(row.count, covered)} />
              </td>
              <td class="num">{formatCount(row.count)}</td>
              <td class="num muted">{percent(share(row.count, covered))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

/**
 * Where readers came from and what they read with, one table per kind, each adding up to the views
 * it covers. Views of days before the first breakdown (counted before breakdowns existed, pruned by
 * BREAKDOWN_RETENTION_DAYS, or with COUNT_MODE=every, which keeps none) are in no table: the page
 * says so once, rather than showing them as "Direct".
 */
export function BreakdownTables({ report }: { report: Report }) {
  if (report.views === 0) return <p class="empty">No views in this range.</p>
  const since = report.breakdownsSince
  if (since === null) return <p class="empty">Where readers came from: none recorded yet.</p>
  if (since > report.range.to) {
    return <p class="empty">Where readers came from: recorded only since {formatDate(since)}, after this range.</p>
  }
  // Said only where it changes the reading: when some of the range's views came before that day.
  const uncovered = report.daily.some((day) => day.day < since && day.count > 0)
  return (
    <>
      {uncovered && <p class="note">Where readers came from: since {formatDate(since)}.</p>}
      <div class="breakdowns">
        {breakdownKinds.map((kind) => (
          <BreakdownTable kind={breakdownKeys[kind]} report={report} />
        ))}
      </div>
    </>
  )
}
