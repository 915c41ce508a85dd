// The figures of a range for GET /insights and the stats pages: one report, answered as JSON or drawn as HTML.
import { breakdownKinds, OTHER_VALUE } from '../counting/breakdowns.ts'
import type { Database } from '../db/client.ts'
import {
  breakdownsSince,
  firstDay,
  type KindValues,
  topPages,
  topValues,
  totalViews,
  viewsByDay,
} from '../db/insights.ts'
import { countryName } from '../render/format.ts'
import {
  type BreakdownKey,
  breakdownKeys,
  type PageReport,
  type Report,
  type SiteReport,
  type ValueRow,
} from '../render/insight-figures.ts'
import { type RequestedRange, resolveRange } from './insight-range.ts'
import { pageUrl, type Site, withTitles } from './site-pages.ts'

export interface ReportOptions {
  /** How many pages, and values of each kind, to list by name. */
  top: number
  /** Values of each kind, when not `top`. */
  values?: number
}

const sumOf = (days: { count: number }[]) => days.reduce((total, day) => total + day.count, 0)

// A kind's table adds up to the views it covers: its top values, the rest of its values as
// OTHER_VALUE, and the views that carried no value of the kind (a direct visit, no campaign) as null.
function table(kind: BreakdownKey, values: KindValues | undefined, covered: number): ValueRow[] {
  const top = values?.top ?? []
  const rows: ValueRow[] = [...top]
  const other = (values?.total ?? 0) - sumOf(top)
  if (other > 0) rows.push({ value: OTHER_VALUE, count: other })
  // Never below zero: an import may bring breakdowns without the daily views they belong to.
  const none = covered - (values?.total ?? 0)
  if (none > 0) rows.push({ value: null, count: none })
  if (kind !== 'countries') return rows
  return rows.map((row) => ({
    value: row.value,
    name: row.value === null ? 'Unknown' : row.value === OTHER_VALUE ? 'Other' : countryName(row.value),
    count: row.count,
  }))
}

async function report(db: Database, asked: RequestedRange, top: number, slug?: string) {
  const range = resolveRange(asked, asked.from === null ? await firstDay(db, slug) : null)
  const span = { from: range.previous?.from ?? range.from, to: range.to }
  const [days, values, since] = await Promise.all([
    viewsByDay(db, span, slug),
    topValues(db, range, top, slug),
    breakdownsSince(db),
  ])
  const daily = days.slice(-range.days)
  const views = sumOf(daily)
  const previousViews = range.previous ? sumOf(days.slice(0, -range.days)) : null
  // Views of days before the first breakdown carried none that we know of: they are no kind's null.
  const covered = since === null ? 0 : sumOf(daily.filter((day) => day.day >= since))
  const tables = Object.fromEntries(
    breakdownKinds.map((kind) => [breakdownKeys[kind], table(breakdownKeys[kind], values.get(kind), covered)]),
  ) as Record<BreakdownKey, ValueRow[]>
  const head: Omit<Report, BreakdownKey> = {
    range: { from: range.from, to: range.to, days: range.days },
    previous: range.previous && { from: range.previous.from, to: range.previous.to, views: previousViews! },
    views,
    change: previousViews ? (views - previousViews) / previousViews : null,
    daily,
    breakdownsSince: since,
  }
  return { range, head, tables }
}

/** The site's figures over a range, with its top pages and their previous period. */
async function siteReport(
  db: Database,
  site: Site,
  asked: RequestedRange,
  { top, values }: Required<ReportOptions>,
): Promise<SiteReport> {
  const { range, head, tables } = await report(db, asked, values)
  const ranked = await topPages(db, range, range.previous, top)
  const pages = withTitles(site, ranked).map(({ slug, title, url, count, previous }) => ({
    slug,
    title,
    url,
    count,
    previous: range.previous ? previous : null,
  }))
  return { ...head, pages, ...tables }
}

/** One page's figures over a range, with its title, link and total since counting began. */
async function pageReport(
  db: Database,
  site: Site,
  slug: string,
  asked: RequestedRange,
  values: number,
): Promise<PageReport> {
  const [{ head, tables }, total] = await Promise.all([report(db, asked, values, slug), totalViews(db, slug)])
  const title = site.pages?.page(slug)?.title ?? null
  return { slug, title, url: pageUrl(site, slug), total, ...head, ...tables }
}

/** A report as the read cache takes it: the key names everything the report depends on. */
export interface ReportRead<T> {
  key: string
  load: () => Promise<T>
}

// /insights and the stats pages read through these, so a burst of either, or both, costs one set of
// queries per READ_CACHE_MS, and each report is serialised once.
export function siteReportRead(
  db: Database,
  site: Site,
  asked: RequestedRange,
  { top, values = top }: ReportOptions,
): ReportRead<SiteReport> {
  return {
    key: `insights:${asked.key}:${top}:${values}`,
    load: () => siteReport(db, site, asked, { top, values }),
  }
}

/** One page's report; `values` of each kind listed by name. */
export function pageReportRead(
  db: Database,
  site: Site,
  slug: string,
  asked: RequestedRange,
  values: number,
): ReportRead<PageReport> {
  return {
    key: `insights-page:${asked.key}:${values}:${slug}`,
    load: () => pageReport(db, site, slug, asked, values),
  }
}
