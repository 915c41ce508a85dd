import { asc, desc, eq, inArray, sql } from 'drizzle-orm'
import type { Database } from './client.ts'
import { views } from './schema.ts'

export interface SlugCount {
  slug: string
  count: number
}

export interface VisitorKey {
  current: string
  previous: string
}

const rowsOf = <T>(result: unknown) => (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[]

/** Adds n views in one statement: concurrent callers serialise on the row and none is lost. */
export async function addViews(db: Database, slug: string, n: number, day: string): Promise<number> {
  const result = await db.execute(sql`
    with total as (
      insert into views (slug, count) values (${slug}, ${n})
      on conflict (slug) do update set count = views.count + excluded.count, last_seen = now()
      returning count
    ), daily as (
      insert into daily_views (slug, day, count) values (${slug}, ${day}::date, ${n})
      on conflict (slug, day) do update set count = daily_views.count + excluded.count
    )
    select count from total`)
  return Number(rowsOf<{ count: string | number }>(result)[0]!.count)
}

/**
 * Counts the visitors not seen on this slug within the window, in one statement: remembering
 * them and adding them to the total commit together, so a retry or a second replica can never
 * count one visit twice or drop one.
 */
export async function addReaderViews(
  db: Database,
  slug: string,
  visitors: VisitorKey[],
  { now, day, windowMs }: { now: Date; day: string; windowMs: number },
): Promise<{ fresh: Set<string>; count: number }> {
  const expires = new Date(now.getTime() + windowMs).toISOString()
  const result = await db.execute(sql`
    with candidate as (
      select * from unnest(
        string_to_array(${visitors.map((v) => v.current).join(',')}, ','),
        string_to_array(${visitors.map((v) => v.previous).join(',')}, ',')
      ) as c(visitor, previous)
    ), fresh as (
      insert into recent_visits (visitor, expires_at)
      select visitor, ${expires}::timestamptz from candidate c
      where not exists (
        select 1 from recent_visits r where r.visitor = c.previous and r.expires_at > ${now.toISOString()}::timestamptz
      )
      on conflict (visitor) do update set expires_at = excluded.expires_at
        where recent_visits.expires_at <= ${now.toISOString()}::timestamptz
      returning visitor
    ), bumped as (
      insert into views (slug, count)
      select ${slug}, count(*) from fresh having count(*) > 0
      on conflict (slug) do update set count = views.count + excluded.count, last_seen = now()
      returning count
    ), daily as (
      insert into daily_views (slug, day, count)
      select ${slug}, ${day}::date, count(*) from fresh having count(*) > 0
      on conflict (slug, day) do update set count = daily_views.count + excluded.count
    )
    select (select string_agg(visitor, ',') from fresh) as fresh,
           coalesce((select count from bumped), (select count from views where slug = ${slug}), 0) as count`)
  const [row] = rowsOf<{ fresh: string | null; count: string | number }>(result)
  return { fresh: new Set(row!.fresh ? row!.fresh.split(',') : []), count: Number(row!.count) }
}

export async function forgetExpiredVisitors(db: Database, now: Date): Promise<number> {
  const result = await db.execute(sql`delete from recent_visits where expires_at <= ${now.toISOString()}::timestamptz`)
  return (result as { count?: number; affectedRows?: number }).count ?? (result as { affectedRows?: number }).affectedRows ?? 0
}

export async function readCount(db: Database, slug: string): Promise<number> {
  const [row] = await db.select({ count: views.count }).from(views).where(eq(views.slug, slug))
  return row?.count ?? 0
}

export async function readCounts(db: Database, slugs: string[]): Promise<SlugCount[]> {
  const rows = await db.select({ slug: views.slug, count: views.count }).from(views).where(inArray(views.slug, slugs))
  const found = new Map(rows.map((row) => [row.slug, row.count]))
  return slugs.map((slug) => ({ slug, count: found.get(slug) ?? 0 }))
}

export function rankedCounts(db: Database): Promise<SlugCount[]> {
  return db.select({ slug: views.slug, count: views.count }).from(views).orderBy(desc(views.count), asc(views.slug))
}
