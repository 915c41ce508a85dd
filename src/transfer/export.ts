import { stringify } from 'csv-stringify/sync'
import { asc, gt, sql } from 'drizzle-orm'
import type { Database } from '../db/client.ts'
import { dailyBreakdowns, dailyViews, views } from '../db/schema.ts'
import type { BreakdownRow } from './breakdown-rows.ts'
import { dailyColumns, viewsColumns } from './dataset.ts'
import { JSON_VERSION } from './json-file.ts'

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
/** As stored: the kind column is text, whatever counting/breakdowns.ts lists today. */
type StoredBreakdown = Omit<BreakdownRow, 'kind'> & { kind: string }
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
      const written = { views: 0, daily: 0, breakdowns: 0 }
      if (kind === 'views-csv')
        written.views = await writeCsv(write, viewsColumns, totalPages, (row) => [row.slug, row.count, row.lastSeen])
      if (kind === 'daily-csv')
        written.daily = await writeCsv(write, dailyColumns, dailyPages, (row) => [row.slug, row.day, row.count])
      if (kind !== 'json') return written
      // One row per line, so the file diffs and greps well, and no more than a page is ever held.
      await write(
        `{"format":"view-counter","version":${JSON_VERSION},"exportedAt":${JSON.stringify(now.toISOString())},"timeZone":${JSON.stringify(timeZone)},\n"views":[`,
      )
      written.views = await writeJsonRows(write, totalPages)
      await write('\n],\n"daily":[')
      written.daily = await writeJsonRows(write, dailyPages)
      await write('\n],\n"breakdowns":[')
      written.breakdowns = await writeBreakdownGroups(write, breakdownPages)
      await write('\n]}\n')
      return written
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  )
}

async function writeJsonRows<T>(write: ExportOptions['write'], rows: AsyncIterable<T[]>) {
  let count = 0
  for await (const page of rows) {
    await write(page.map((row, i) => `${count + i === 0 ? '' : ','}\n${JSON.stringify(row)}`).join(''))
    count += page.length
  }
  return count
}

// One line per day and kind, in the table's key order (json-file.ts reads it), continued across
// pages: a group may be longer than a page, and only the group being written is open, so memory
// stays at one page.
async function writeBreakdownGroups(write: ExportOptions['write'], rows: AsyncIterable<StoredBreakdown[]>) {
  let count = 0
  let open: string | undefined
  for await (const page of rows) {
    let chunk = ''
    for (const row of page) {
      const group = `${row.day}\0${row.kind}`
      if (group !== open) {
        chunk += `${open === undefined ? '' : ']},'}\n{"kind":${JSON.stringify(row.kind)},"day":"${row.day}","counts":[`
        open = group
      } else chunk += ','
      chunk += JSON.stringify([row.value, row.slug, row.count])
    }
    count += page.length
    await write(chunk)
  }
  if (open !== undefined) await write(']}')
  return count
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
