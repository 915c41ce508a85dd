import type { Database } from '../db/client.ts'
import { type DayCount, dailyCountsFor } from '../db/history.ts'
import { totalViews } from '../db/insights.ts'
import type { PageReport, SiteReport } from '../render/insight-figures.ts'
import { barsOf, unitFor } from '../render/periods.ts'
import type { RequestedRange } from './insight-range.ts'
import { pageReportRead, type ReportOptions, type ReportRead, siteReportRead } from './insights-report.ts'
import type { ReadCache } from './read-cache.ts'
import type { Site } from './site-pages.ts'

// The stats pages draw the report /insights answers, read through the same cache under the same
// key and parsed from its one JSON string. So a burst of page loads (a public `/stats?range=all`
// sums the whole of daily_views) costs one set of queries per READ_CACHE_MS, as /insights does,
// and cannot crowd counting out of PGlite, which runs one statement at a time.
async function parsed<T>(reads: Pick<ReadCache, 'get'>, { key, load }: ReportRead<T>): Promise<T> {
  return JSON.parse((await reads.get(key, load)).body) as T
}

export interface SiteFigures {
  report: SiteReport
  /** Views since counting began, days before daily history included. */
  total: number
  /** Each top page's views over the range, as its sparkline's bars. */
  trends: Map<string, DayCount[]>
}

/** The figures of the stats pages, each load shared by every request within the cache's window. */
export function statsFigures(reads: Pick<ReadCache, 'get'>, db: Database, site: Site) {
  return {
    async site(asked: RequestedRange, options: ReportOptions): Promise<SiteFigures> {
      const read = siteReportRead(db, site, asked, options)
      const report = await parsed(reads, read)
      // What only the page shows, cached beside the report it was drawn for: bars, not days, so
      // ten years of twenty pages stay a few kilobytes.
      const extras = await parsed(reads, {
        key: `stats:${read.key}`,
        load: async () => {
          const { to, days } = report.range
          const slugs = report.pages.map((page) => page.slug)
          const [total, daily] = await Promise.all([totalViews(db), dailyCountsFor(db, slugs, to, days)])
          const trends = [...daily].map(([slug, counts]) => [slug, barsOf(counts, unitFor(days))] as const)
          return { total, trends }
        },
      })
      return { report, total: extras.total, trends: new Map(extras.trends) }
    },

    page: (slug: string, asked: RequestedRange, values: number): Promise<PageReport> =>
      parsed(reads, pageReportRead(db, site, slug, asked, values)),
  }
}
