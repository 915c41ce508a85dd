import { and, asc, desc, eq, gte, lte, min, type SQL, sql, sum } from 'drizzle-orm'
import { type BreakdownKind, OTHER_VALUE } from '../counting/breakdowns.ts'
import type { Database } from './client.ts'
import { type DayCount, dayRange } from './history.ts'
import { rowsOf } from './rows.ts'
import { dailyBreakdowns, dailyViews, views } from './schema.ts'

/** Days from `from` to `to`, both included, as YYYY-MM-DD. */
export interface Days {
  from: string
  to: string
}

const within = ({ from, to }: Days, slug?: string) =>
  and(gte(dailyViews.day, from), lte(dailyViews.day, to), slug === undefined ? undefined : eq(dailyViews.slug, slug))

const daysOf = ({ from, to }: Days) => dayRange(to, (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1)

/** The first day with views, of the site or of one page; null when there is none. */
export async function firstDay(db: Database, slug?: string): Promise<string | null> {
  const [row] = await db
    .select({ day: min(dailyViews.day) })
    .from(dailyViews)
    .where(slug === undefined ? undefined : eq(dailyViews.slug, slug))
  return row?.day ?? null
}

/**
 * The first day with any breakdown, site-wide; null when there is none. Views before it carried no
 * breakdowns (counted before they existed, or pruned by retention), so they are not "direct".
 * With daily_breakdowns' primary key leading with day, this is one index lookup.
 */
export async function breakdownsSince(db: Database): Promise<string | null> {
  const [row] = await db.select({ day: min(dailyBreakdowns.day) }).from(dailyBreakdowns)
  return row?.day ?? null
}

/** Every view ever counted, of the site or one page, days before daily history began included. */
export async function totalViews(db: Database, slug?: string): Promise<number> {
  const [row] = await db
    .select({ total: sum(views.count).mapWith(Number) })
    .from(views)
    .where(slug === undefined ? undefined : eq(views.slug, slug))
  return row?.total ?? 0
}

/**
 * Views per day over `days`, every day filled, site-wide or of one page. A range and the period
 * before it are asked as one span, so the chart, the range's views and the previous period's are
 * one query.
 */
export async function viewsByDay(db: Database, days: Days, slug?: string): Promise<DayCount[]> {
  const count = sql<number>`sum(${dailyViews.count})`.mapWith(Number)
  const rows = await db
    .select({ day: dailyViews.day, count })
    .from(dailyViews)
    .where(within(days, slug))
    .groupBy(dailyViews.day)
  const found = new Map(rows.map((row) => [row.day, row.count]))
  return daysOf(days).map((day) => ({ day, count: found.get(day) ?? 0 }))
}

export interface PageViews {
  slug: string
  count: number
  /** Views in the period before, 0 when none was asked. */
  previous: number
}

/** The pages most viewed in `range` (ties by slug), each with its views in `previous`, in one query. */
export async function topPages(db: Database, range: Days, previous: Days | null, limit: number): Promise<PageViews[]> {
  const inRange = sql<number>`coalesce(sum(${dailyViews.count}) filter (where ${dailyViews.day} >= ${range.from}::date), 0)`
  const before = sql<number>`coalesce(sum(${dailyViews.count}) filter (where ${dailyViews.day} < ${range.from}::date), 0)`
  return db
    .select({ slug: dailyViews.slug, count: inRange.mapWith(Number), previous: before.mapWith(Number) })
    .from(dailyViews)
    .where(within({ from: previous?.from ?? range.from, to: range.to }))
    .groupBy(dailyViews.slug)
    .having(sql`${inRange} > 0`)
    .orderBy(desc(inRange), asc(dailyViews.slug))
    .limit(limit)
}

export interface ValueCount {
  value: string
  count: number
}

/** A kind's most frequent values (OTHER_VALUE never among them) and the views of every value of it. */
export interface KindValues {
  top: ValueCount[]
  total: number
}

/**
 * Per kind, the `limit` values with the most views over `days` (ties by value) and the sum of all
 * its values, site-wide or of one page, in one query: the rest of a kind is its total less its top.
 */
export async function topValues(
  db: Database,
  days: Days,
  limit: number,
  slug?: string,
): Promise<Map<BreakdownKind, KindValues>> {
  const onePage: SQL = slug === undefined ? sql`` : sql`and slug = ${slug}`
  // The folded value sorts after every real one, so it is in the top only when the real ones are fewer.
  // Ties go by code point ("C"), so both backends, whatever their default collation, list them alike.
  const result = await db.execute(sql`
    with counts as (
      select kind, value, sum(count) as count from daily_breakdowns
      where day between ${days.from}::date and ${days.to}::date ${onePage}
      group by kind, value
    ), ranked as (
      select kind, value, count, sum(count) over (partition by kind) as total,
        row_number() over (partition by kind order by value = ${OTHER_VALUE}, count desc, value collate "C") as rank
      from counts
    )
    select kind, value, count, total from ranked where rank <= ${limit}::int order by kind, rank`)
  const byKind = new Map<BreakdownKind, KindValues>()
  type Row = { kind: BreakdownKind; value: string; count: string | number; total: string | number }
  for (const row of rowsOf<Row>(result)) {
    const kind = byKind.get(row.kind) ?? { top: [], total: Number(row.total) }
    if (row.value !== OTHER_VALUE) kind.top.push({ value: row.value, count: Number(row.count) })
    byKind.set(row.kind, kind)
  }
  return byKind
}
