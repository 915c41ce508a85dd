import type { DayCount } from '../db/history.ts'
import { BreakdownTables } from './breakdown-tables.tsx'
import { Document } from './document.tsx'
import { formatLongDay } from './format.ts'
import type { ReportRange, SiteReport } from './insight-figures.ts'
import { Cards, type DayBounds, RangeChart, RangeNav } from './range-parts.tsx'
import { TopPages } from './top-pages.tsx'

export interface StatsPageProps {
  today: string
  /** The days the range form may ask for. */
  bounds: DayBounds
  range: ReportRange
  report: SiteReport
  /** Views since counting began, days before daily history included. */
  total: number
  /** Each top page's views over the range, as the chart's bars. */
  trends: Map<string, DayCount[]>
}

/** GET /stats: the site over a range, its top pages, and where readers came from. */
export function StatsPage({ today, bounds, range, report, total, trends }: StatsPageProps) {
  return (
    <Document title="Page views">
      <header>
        <h1>Page views</h1>
        <p>{formatLongDay(today)}</p>
      </header>
      <RangeNav range={range} bounds={bounds} />
      <Cards report={report} range={range} today={today} total={total} />
      <RangeChart report={report} range={range} />
      <section aria-labelledby="top-heading">
        <h2 id="top-heading">Top pages</h2>
        <TopPages pages={report.pages} range={range} trends={trends} />
      </section>
      <BreakdownTables report={report} />
      <footer>
        Days end at midnight in the service's time zone. Totals include views from before daily history began.
      </footer>
    </Document>
  )
}
