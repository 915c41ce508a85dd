import type { DayCount } from '../db/history.ts'
import { Sparkline } from './charts.tsx'
import { formatCount, plural } from './format.ts'
import { type PageRow, type ReportRange, rangePhrase, rangeSearch } from './insight-figures.ts'

/** A page's own stats page, for the same range: each segment encoded, so no slug can leave the path. */
export const pageStatsHref = (slug: string, range: ReportRange) =>
  `/stats/pages/${slug.split('/').map(encodeURIComponent).join('/')}?${rangeSearch(range)}`

// The title when the page list gave one (the slug beneath it, small), else the slug, linked to the
// page's own stats. JSX escapes both; the link is built from the encoded slug only.
function PageName({ page, range }: { page: PageRow; range: ReportRange }) {
  const name = <a href={pageStatsHref(page.slug, range)}>{page.title ?? page.slug}</a>
  if (page.title === null) return name
  return (
    <>
      <span class="title">{name}</span>
      <span class="muted path">{page.slug}</span>
    </>
  )
}

export interface TopPagesProps {
  pages: PageRow[]
  range: ReportRange
  /** Each page's views over the range, as the chart's bars. */
  trends: Map<string, DayCount[]>
}

/** The pages most viewed in the range, with their views in the period before. */
export function TopPages({ pages, range, trends }: TopPagesProps) {
  if (pages.length === 0) return <p class="empty">No views in this range.</p>
  const phrase = rangePhrase(range)
  return (
    <table class="pages">
      <thead>
        <tr>
          <th class="num wide" scope="col">
            #
          </th>
          <th class="page" scope="col">
            Page
          </th>
          <th class="trend" scope="col">
            Trend
          </th>
          <th class="num" scope="col">
            Views
          </th>
          <th class="num" scope="col">
            Previous
          </th>
        </tr>
      </thead>
      <tbody>
        {pages.map((page, i) => (
          <tr>
            <td class="num wide muted">{i + 1}</td>
            <td class="slug">
              <PageName page={page} range={range} />
            </td>
            <td class="trend">
              <Sparkline
                days={trends.get(page.slug) ?? []}
                label={`${page.title ?? page.slug}: ${plural(page.count, 'view', 'views')}, ${phrase}`}
              />
            </td>
            <td class="num">{formatCount(page.count)}</td>
            <td class="num muted">{page.previous === null ? '–' : formatCount(page.previous)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
