// What the site's page and a page's own share: the range selector, the figure cards and the chart.
import { DailyChart } from './charts.tsx'
import { formatCount, plural } from './format.ts'
import { formatChange, type Report, type ReportRange, rangeLabel, rangePhrase } from './insight-figures.ts'
import { barsOf, unitFor } from './periods.ts'

const presetLinks: [string, string][] = [
  ['7', '7 days'],
  ['30', '30 days'],
  ['90', '90 days'],
  ['365', '365 days'],
  ['all', 'All'],
]

/** The first and last day a range may span (YYYY-MM-DD), as the API takes them. */
export interface DayBounds {
  first: string
  last: string
}

// Links and a form that ask for the page they are on again (a query-only href, a form without an
// action), so the same selector serves /stats and /stats/pages/{slug}. The form is a plain GET: the
// page runs no script, and its CSP allows forms to this origin only. Its fields take the days the
// API takes, no fewer: a browser refuses to submit a field outside its min and max.
export function RangeNav({ range, bounds }: { range: ReportRange; bounds: DayBounds }) {
  return (
    <nav class="ranges" aria-label="Range">
      <ul>
        {presetLinks.map(([preset, label]) => (
          <li>
            <a href={`?range=${preset}`} aria-current={range.preset === preset ? 'page' : undefined}>
              {label}
            </a>
          </li>
        ))}
      </ul>
      <form method="get" class="dates">
        <label>
          From <input type="date" name="from" required value={range.from} min={bounds.first} max={bounds.last} />
        </label>
        <label>
          to <input type="date" name="to" required value={range.to} min={bounds.first} max={bounds.last} />
        </label>
        <button type="submit">Show</button>
      </form>
    </nav>
  )
}

export function Cards({
  report,
  range,
  today,
  total,
}: {
  report: Report
  range: ReportRange
  today: string
  total: number
}) {
  const previous = report.previous && `vs previous ${plural(range.days, 'day', 'days')}`
  return (
    <dl class="cards">
      <div>
        <dt>Total</dt>
        <dd>{formatCount(total)}</dd>
      </div>
      {range.to === today && (
        <div>
          <dt>Today</dt>
          <dd>{formatCount(report.daily.at(-1)?.count ?? 0)}</dd>
        </div>
      )}
      <div>
        <dt>{rangeLabel(range)}</dt>
        <dd>{formatCount(report.views)}</dd>
      </div>
      {previous && (
        <div class="change">
          <dt>Change</dt>
          <dd>
            {report.change === null ? '–' : formatChange(report.change)}
            <span class="vs">
              {report.change === null ? `no views in the previous ${plural(range.days, 'day', 'days')}` : previous}
            </span>
          </dd>
        </div>
      )}
    </dl>
  )
}

export function RangeChart({ report, range }: { report: Report; range: ReportRange }) {
  const unit = unitFor(range.days)
  const caption = `Views per ${unit}, ${rangePhrase(range)}`
  return (
    <section aria-labelledby="range-heading">
      <h2 id="range-heading">{caption}</h2>
      <DailyChart id="range" days={barsOf(report.daily, unit)} caption={caption} unit={unit} />
    </section>
  )
}
