// What the stats pages show of a range, in the shape GET /insights answers: the JSON and the
// pages are one report, so they cannot disagree.
import { type BreakdownKind, OTHER_VALUE, type ScreenClass, screenClasses } from '../counting/breakdowns.ts'
import type { DayCount } from '../db/history.ts'
import { formatDate } from './format.ts'

export interface ReportRange {
  /** `7`, `30`, `90`, `365` or `all`; null for a from–to range. */
  preset: string | null
  from: string
  to: string
  days: number
}

/** One row of a breakdown table: a value, `(other)` for the folded rest, or null for views without one. */
export interface ValueRow {
  value: string | null
  count: number
  /** Countries only: the English name. */
  name?: string
}

/** The JSON key of each kind's table, in breakdownKinds' order. */
export const breakdownKeys = {
  referrer: 'referrers',
  source: 'sources',
  campaign: 'campaigns',
  country: 'countries',
  browser: 'browsers',
  os: 'systems',
  device: 'devices',
  screen: 'screens',
} as const satisfies Record<BreakdownKind, string>
export type BreakdownKey = (typeof breakdownKeys)[BreakdownKind]

export interface PageRow {
  slug: string
  title: string | null
  url: string | null
  count: number
  /** Null when the range has no previous period (`all`). */
  previous: number | null
}

export type Report = {
  range: Omit<ReportRange, 'preset'>
  previous: { from: string; to: string; views: number } | null
  views: number
  /** (views − previous) / previous; null without a previous period or when it had no views. */
  change: number | null
  daily: DayCount[]
  /** The first day with any breakdown (site-wide), null when none: the tables cover the range's days from it. */
  breakdownsSince: string | null
} & Record<BreakdownKey, ValueRow[]>

export type SiteReport = Report & { pages: PageRow[] }
export type PageReport = Report & { slug: string; title: string | null; url: string | null; total: number }

/** The query string that asks for this range again, for links between the stats pages. */
export const rangeSearch = (range: ReportRange) =>
  range.preset === null ? `from=${range.from}&to=${range.to}` : `range=${range.preset}`

export function rangeLabel(range: ReportRange): string {
  if (range.preset === 'all') return 'All time'
  if (range.preset !== null) return `Last ${range.preset} days`
  return `${formatDate(range.from)} – ${formatDate(range.to)}`
}

/** The label within a sentence: "last 30 days", "all time", "Mar 1, 2026 – Mar 19, 2026". */
export const rangePhrase = (range: ReportRange) =>
  range.preset === null ? rangeLabel(range) : rangeLabel(range).toLowerCase()

/** "+25 %", "−3 %", "0 %": a no-break space keeps the sign and the number with the percent sign. */
export function formatChange(change: number): string {
  const percent = Math.round(change * 100)
  const sign = percent > 0 ? '+' : percent < 0 ? '−' : ''
  return `${sign}${Math.abs(percent).toLocaleString('en-US')}\u00a0%`
}

const untagged = new Set<BreakdownKey>(['sources', 'campaigns'])

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)

/** How a breakdown value reads on the page. */
export function valueLabel(kind: BreakdownKey, row: ValueRow): string {
  // No row of the kind: for a referrer a typed-in address or an app; for a campaign tag, simply none.
  if (row.value === null) return kind === 'referrers' ? 'Direct / unknown' : untagged.has(kind) ? 'None' : 'Unknown'
  if (row.value === OTHER_VALUE) return 'Other'
  if (kind === 'countries') return row.name ?? row.value
  if (kind === 'screens' && row.value in screenClasses) return capitalised(screenClasses[row.value as ScreenClass])
  if (kind === 'devices') return capitalised(row.value)
  return row.value
}

/** What one row of a table names. */
export const breakdownColumns: Record<BreakdownKey, string> = {
  referrers: 'Site',
  sources: 'Source',
  campaigns: 'Campaign',
  countries: 'Country',
  browsers: 'Browser',
  systems: 'System',
  devices: 'Device',
  screens: 'Width',
}

/** The tables' headings. */
export const breakdownTitles: Record<BreakdownKey, string> = {
  referrers: 'Referrers',
  sources: 'Sources (utm_source)',
  campaigns: 'Campaigns (utm_campaign)',
  countries: 'Countries',
  browsers: 'Browsers',
  systems: 'Operating systems',
  devices: 'Devices',
  screens: 'Screen widths',
}
