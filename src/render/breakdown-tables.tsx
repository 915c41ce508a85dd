import { breakdownKinds, OTHER_VALUE } from '../counting/breakdowns.ts'
import { formatCount } from './format.ts'
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
                <ShareBar fraction={share(row.count, report.views)} />
              </td>
              <td class="num">{formatCount(row.count)}</td>
              <td class="num muted">{percent(share(row.count, report.views))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

/** Where readers came from and what they read with, one table per kind, each adding up to the range's views. */
export function BreakdownTables({ report }: { report: Report }) {
  if (report.views === 0) return <p class="empty">No views in this range.</p>
  return (
    <div class="breakdowns">
      {breakdownKinds.map((kind) => (
        <BreakdownTable kind={breakdownKeys[kind]} report={report} />
      ))}
    </div>
  )
}
