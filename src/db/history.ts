import { and, desc, eq, gte, inArray, sql, sum } from 'drizzle-orm'
import type { Database } from './client.ts'
import { dailyViews, views } from './schema.ts'

export interface DayCount {
  day: string
  count: number
}

/** The `days` calendar days ending with `today` (YYYY-MM-DD), oldest first. */
export function dayRange(today: string, days: number): string[] {
  const end = Date.parse(`${today}T00:00:00Z`)
  return Array.from({ length: days }, (_, i) => new Date(end - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10))
}

// Days without views have no row; the range is filled in here so a chart has every day.
function fill(range: string[], rows: { day: string; count: number }[]): DayCount[] {
  const found = new Map(rows.map((row) => [row.day, Number(row.count)]))
  return range.map((day) => ({ day, count: found.get(day) ?? 0 }))
}

export async function dailyCounts(db: Database, slug: string, today: string, days: number): Promise<DayCount[]> {
  const range = dayRange(today, days)
  const rows = await db
    .select({ day: dailyViews.day, count: dailyViews.count })
    .from(dailyViews)
    .where(and(eq(dailyViews.slug, slug), gte(dailyViews.day, range[0]!)))
  return fill(range, rows)
}

/** The last `days` days of each slug, every day of the range filled in, in one query for all of them. */
export async function dailyCountsFor(
  db: Database,
  slugs: string[],
  today: string,
  days: number,
): Promise<Map<string, DayCount[]>> {
  if (slugs.length === 0) return new Map()
  const range = dayRange(today, days)
  const rows = await db
    .select({ slug: dailyViews.slug, day: dailyViews.day, count: dailyViews.count })
    .from(dailyViews)
    .where(and(inArray(dailyViews.slug, slugs), gte(dailyViews.day, range[0]!)))
  const bySlug = Map.groupBy(rows, (row) => row.slug)
  return new Map(slugs.map((slug) => [slug, fill(range, bySlug.get(slug) ?? [])]))
}

export async function siteDailyCounts(db: Database, today: string, days: number): Promise<DayCount[]> {
  const range = dayRange(today, days)
  const rows = await db
    .select({ day: dailyViews.day, count: sql<number>`sum(${dailyViews.count})`.mapWith(Number) })
    .from(dailyViews)
    .where(gte(dailyViews.day, range[0]!))
    .groupBy(dailyViews.day)
  return fill(range, rows)
}

export interface SiteSummary {
  total: number
  today: number
  last7Days: number
  last30Days: number
  top: { slug: string; count: number; last30Days: number }[]
}

export async function siteSummary(db: Database, today: string, topN = 10): Promise<SiteSummary> {
  const month = await siteDailyCounts(db, today, 30)
  const sumOf = (days: DayCount[]) => days.reduce((total, day) => total + day.count, 0)
  const [totals] = await db.select({ total: sum(views.count).mapWith(Number) }).from(views)
  const recent = db
    .select({ slug: dailyViews.slug, count: sql<number>`sum(${dailyViews.count})`.as('recent') })
    .from(dailyViews)
    .where(gte(dailyViews.day, dayRange(today, 30)[0]!))
    .groupBy(dailyViews.slug)
    .as('recent')
  const top = await db
    .select({
      slug: views.slug,
      count: views.count,
      last30Days: sql<number>`coalesce(${recent.count}, 0)`.mapWith(Number),
    })
    .from(views)
    .leftJoin(recent, eq(recent.slug, views.slug))
    .orderBy(desc(views.count), views.slug)
    .limit(topN)
  return {
    total: totals?.total ?? 0,
    today: month.at(-1)!.count,
    last7Days: sumOf(month.slice(-7)),
    last30Days: sumOf(month),
    top,
  }
}
