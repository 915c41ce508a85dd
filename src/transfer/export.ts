import { stringify } from 'csv-stringify/sync'
import { asc, gt, sql } from 'drizzle-orm'
import type { Database } from '../db/client.ts'
import { dailyBreakdowns, dailyViews, views } from '../db/schema.ts'
import { dailyColumns, viewsColumns } from './dataset.ts'
import type { StoredBreakdown } from './json-file.ts'
import { writeJsonExport } from './json-file.ts'

export type ExportKind = 'json' | 'views-csv' | 'daily-csv'

export interface ExportOptions {
  kind: ExportKind
  /** Where each piece of output goes, in order; awaited, so a slow reader slows the export down. */
  write: (chunk: string) => Promise<void> | void
  /** The service's TIME_ZONE, recorded in the JSON so a reader knows whose calendar days these are. */
  timeZone: string
  now?: Date
  pageSize?: number
}

interface TotalRow {
  slug: string
  count: number
  lastSeen: string
}
interface DailyRow {
  slug: string
  day: string
  count: number
}

export interface Written {
  views: number
  daily: number
  breakdowns: number
}

/**
 * Writes every total and every day of history (and, in JSON, every breakdown row), a page of rows
 * at a time, from one snapshot: a repeatable-read transaction, so views counted meanwhile cannot
 * make the days, breakdowns and totals disagree.
 */
export async function exportData(
  db: Database,
  { kind, write, timeZone, now = new Date(), pageSize = 1000 }: ExportOptions,
): Promise<Written> {
  return db.transaction(
    async (tx) => {
      // to_json keeps the microseconds a JavaScript Date would drop, so a round trip is exact.
      const totalPages = pages<TotalRow>((after) =>
        tx
          .select({ slug: views.slug, count: views.count, lastSeen: sql<string>`to_json(${views.lastSeen}) #>> '{}'` })
          .from(views)
          .where(after ? gt(views.slug, after.slug) : undefined)
          .orderBy(asc(views.slug))
          .limit(pageSize),
      )
      const dailyPages = pages<DailyRow>((after) =>
        tx
          .select({ slug: dailyViews.slug, day: dailyViews.day, count: dailyViews.count })
          .from(dailyViews)
          .where(after ? sql`(${dailyViews.slug}, ${dailyViews.day}) > (${after.slug}, ${after.day}::date)` : undefined)
          .orderBy(asc(dailyViews.slug), asc(dailyViews.day))
          .limit(pageSize),
      )
      const breakdownPages = pages<StoredBreakdown>((after) =>
        tx
          .select({
            kind: dailyBreakdowns.kind,
            day: dailyBreakdowns.day,
            value: dailyBreakdowns.value,
            slug: dailyBreakdowns.slug,
            count: dailyBreakdowns.count,
          })
          .from(dailyBreakdowns)
          .where(
            after
              ? sql`(${dailyBreakdowns.day}, ${dailyBreakdowns.kind}, ${dailyBreakdowns.value}, ${dailyBreakdowns.slug}) > (${after.day}::date, ${after.kind}, ${after.value}, ${after.slug})`
              : undefined,
          )
          .orderBy(
            asc(dailyBreakdowns.day),
            asc(dailyBreakdowns.kind),
            asc(dailyBreakdowns.value),
            asc(dailyBreakdowns.slug),
          )
          .limit(pageSize),
      )
      if (kind === 'json')
        return writeJsonExport(
          write,
          { now, timeZone },
          { totals: totalPages, daily: dailyPages, breakdowns: breakdownPages },
        )
      const written = { views: 0, daily: 0, breakdowns: 0 }
      if (kind === 'views-csv')
        written.views = await writeCsv(write, viewsColumns, totalPages, (row) => [row.slug, row.count, row.lastSeen])
      if (kind === 'daily-csv')
        written.daily = await writeCsv(write, dailyColumns, dailyPages, (row) => [row.slug, row.day, row.count])
      return written
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  )
}

async function writeCsv<T>(
  write: ExportOptions['write'],
  columns: readonly string[],
  rows: AsyncIterable<T[]>,
  cells: (row: T) => unknown[],
) {
  let count = 0
  await write(stringify([columns]))
  for await (const page of rows) {
    count += page.length
    await write(stringify(page.map(cells)))
  }
  return count
}

// Keyset pagination: each page starts after the last row of the one before.
async function* pages<T>(fetch: (after: T | undefined) => Promise<T[]>): AsyncGenerator<T[]> {
  let after: T | undefined
  while (true) {
    const page = await fetch(after)
    if (page.length === 0) return
    yield page
    after = page.at(-1)
  }
}
