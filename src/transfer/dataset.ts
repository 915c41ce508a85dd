import { type BreakdownRow, breakdownKey } from './breakdown-rows.ts'
import { breakdownRow, checkRow, dailyRow, InvalidFile, type Problem, totalRow } from './row-checks.ts'

export type FormatName = 'json' | 'views-csv' | 'daily-csv' | 'goatcounter'
export const formatNames: FormatName[] = ['json', 'views-csv', 'daily-csv', 'goatcounter']

/** The CSV columns, in the reference's order for views, so psql's `\copy views to … csv header` reads as ours. */
export const viewsColumns = ['slug', 'count', 'last_seen'] as const
export const dailyColumns = ['slug', 'day', 'count'] as const

export interface Total {
  count: number
  /** ISO 8601 with an offset; PostgreSQL parses it, so microseconds survive a round trip. */
  lastSeen: string
}

/** What every format is read into: totals per slug and/or views per slug per day. */
export interface Dataset {
  format: FormatName
  /** Undefined when the format carries no totals (a daily CSV). */
  totals?: Map<string, Total>
  /** Undefined when the format carries no history (a views CSV, a psql dump). */
  history?: Map<string, Map<string, number>>
  /** Undefined when the format carries no breakdowns (CSV files, JSON version 1). */
  breakdowns?: BreakdownRow[]
  rowsRead: number
  /** Rows read but not counted, by reason (GoatCounter's bots and events). */
  skipped: Record<string, number>
}

/** Collects rows into a dataset, refusing a slug (or slug and day, or breakdown row) given twice. */
export function collector(format: FormatName) {
  const totals = new Map<string, Total>()
  const history = new Map<string, Map<string, number>>()
  const breakdowns: BreakdownRow[] = []
  const firstSeen = new Map<string, string>()
  const problems: Problem[] = []
  let rowsRead = 0
  function once(key: string, where: string, what: string): boolean {
    const earlier = firstSeen.get(key)
    if (earlier !== undefined) problems.push({ where, message: `${what} is already given at ${earlier}` })
    else firstSeen.set(key, where)
    return earlier === undefined
  }
  return {
    /** A row that cannot even be read as one (wrong number of fields). */
    unreadable(where: string, message: string) {
      rowsRead++
      problems.push({ where, message })
    },
    /** A problem with what holds rows (a JSON group), not with a row. */
    problem(where: string, message: string) {
      problems.push({ where, message })
    },
    total(value: unknown, where: string) {
      rowsRead++
      const row = checkRow(totalRow, value, where, problems)
      if (row && once(`t\0${row.slug}`, where, `slug "${row.slug}"`))
        totals.set(row.slug, { count: row.count, lastSeen: row.lastSeen })
    },
    daily(value: unknown, where: string) {
      rowsRead++
      const row = checkRow(dailyRow, value, where, problems)
      if (!row || !once(`d\0${row.slug}\0${row.day}`, where, `slug "${row.slug}" on ${row.day}`)) return
      if (!history.has(row.slug)) history.set(row.slug, new Map())
      history.get(row.slug)!.set(row.day, row.count)
    },
    breakdown(value: unknown, where: string) {
      rowsRead++
      const row = checkRow(breakdownRow, value, where, problems)
      if (!row) return
      const what = `${row.kind} "${row.value}" of slug "${row.slug}" on ${row.day}`
      if (once(`b\0${breakdownKey(row)}`, where, what)) breakdowns.push(row)
    },
    finish(carries: { totals: boolean; history: boolean; breakdowns?: boolean }): Dataset {
      if (problems.length > 0) throw new InvalidFile(problems)
      return {
        format,
        totals: carries.totals ? totals : undefined,
        history: carries.history ? history : undefined,
        breakdowns: carries.breakdowns ? breakdowns : undefined,
        rowsRead,
        skipped: {},
      }
    },
  }
}
