import { BreakdownTables } from './breakdown-tables.tsx'
import { Document } from './document.tsx'
import { formatLongDay } from './format.ts'
import { type PageReport, type ReportRange, rangeSearch } from './insight-figures.ts'
import { Cards, type DayBounds, RangeChart, RangeNav } from './range-parts.tsx'

export interface PageStatsPageProps {
  today: string
  /** The days the range form may ask for. */
  bounds: DayBounds
  range: ReportRange
  report: PageReport
}

/** GET /stats/pages/{slug}: one page over a range, where its readers came from, and a way back. */
export function PageStatsPage({ today, bounds, range, report }: PageStatsPageProps) {
  const name = report.title ?? report.slug
  return (
    <Document title={`${name} · Page views`}>
      <p class="back">
        <a href={`/stats?${rangeSearch(range)}`}>← All pages</a>
      </p>
      <header>
        <h1 class="page-title">{name}</h1>
        <p>{formatLongDay(today)}</p>
      </header>
      <p class="muted path">
        {report.slug}
        {report.url && (
          <>
            {' · '}
            <a href={report.url}>Open the page</a>
          </>
        )}
      </p>
      <RangeNav range={range} bounds={bounds} />
      <Cards report={report} range={range} today={today} total={report.total} />
      <RangeChart report={report} range={range} />
      <BreakdownTables report={report} />
      <footer>
        Days end at midnight in the service's time zone. The total includes views from before daily history began.
      </footer>
    </Document>
  )
}
