import { asc, desc, eq, inArray, sql } from 'drizzle-orm'
import {
  addBatchBreakdowns,
  addReaderBreakdowns,
  type Breakdown,
  type BreakdownAddition,
  type BreakdownOptions,
  VALUES_PER_DAY,
} from './breakdowns.ts'
import type { Database } from './client.ts'
import { affectedRows, list, rowsOf } from './rows.ts'
import { views } from './schema.ts'

export interface SlugCount {
  slug: string
  count: number
}

export interface VisitorKey {
  current: string
  previous: string
}

const FOREVER = new Date('9999-12-31T00:00:00Z')

// A statement can reach the server long after it was sent (a network that black-holed it and
// recovered): by then its client was answered 503, so it must count nothing. now() is when the
// statement's transaction began, on the server's clock.
const startedBefore = (notAfter: Date) => sql`now() < ${notAfter.toISOString()}::timestamptz`

// The two writes every counted view makes, as CTEs `total` (returning slug, count) and `daily`,
// from a CTE named by `source` with columns (slug, n). Rows are locked in slug order.
const addToTotalsAndDays = (source: 'batch' | 'counted', day: string) => sql`
  total as (
    insert into views (slug, count) select slug, n from ${sql.raw(source)} order by slug
    on conflict (slug) do update set count = views.count + excluded.count, last_seen = now()
    returning slug, count
  ), daily as (
    insert into daily_views (slug, day, count) select slug, ${day}::date, n from ${sql.raw(source)} order by slug
    on conflict (slug, day) do update set count = daily_views.count + excluded.count
  )`

/**
 * Adds views to many slugs in one statement and one commit, totals, days and breakdowns together.
 * Rows are locked in key order, so concurrent batches wait for each other but never deadlock.
 * `additions` must name each slug once, `breakdowns` each (slug, kind, value) once. Returns each
 * slug's new total.
 */
export async function addViews(
  db: Database,
  additions: { slug: string; n: number }[],
  day: string,
  {
    notAfter = FOREVER,
    breakdowns = [],
    valuesPerDay = VALUES_PER_DAY,
  }: BreakdownOptions & { notAfter?: Date; breakdowns?: BreakdownAddition[] } = {},
): Promise<Map<string, number>> {
  const result = await db.execute(sql`
    with batch as (
      select * from unnest(string_to_array(${list(additions.map((a) => a.slug))}, chr(31)),
                           string_to_array(${list(additions.map((a) => a.n))}, chr(31))::bigint[]) as b(slug, n)
      where ${startedBefore(notAfter)}
    ), ${addToTotalsAndDays('batch', day)},
    ${addBatchBreakdowns(breakdowns, day, valuesPerDay, startedBefore(notAfter))}
    select slug, count from total`)
  return new Map(rowsOf<{ slug: string; count: string | number }>(result).map((row) => [row.slug, Number(row.count)]))
}

export interface ReaderView {
  slug: string
  visitor: VisitorKey
  /** What the view adds to the day's breakdowns if it counts. */
  breakdowns?: Breakdown[]
}

/**
 * Counts the visitors not seen on their slug within the window, for many slugs in one statement:
 * remembering them and adding them to the totals, days and breakdowns commit together, so a retry
 * or a second replica can never count one visit twice or drop one. `views` must name each visitor key once.
 * Returns the keys that counted and every named slug's total; nothing at all when the statement
 * started at or after `notAfter`.
 */
export async function addReaderViews(
  db: Database,
  views: ReaderView[],
  {
    now,
    expiresAt,
    day,
    notAfter = FOREVER,
    valuesPerDay = VALUES_PER_DAY,
  }: BreakdownOptions & { now: Date; expiresAt: Date; day: string; notAfter?: Date },
): Promise<{ fresh: Set<string>; totals: Map<string, number> }> {
  const expires = expiresAt.toISOString()
  const values = views.flatMap(({ visitor, breakdowns = [] }) =>
    breakdowns.map((b) => ({ ...b, visitor: visitor.current })),
  )
  const result = await db.execute(sql`
    with candidate as (
      select * from unnest(string_to_array(${list(views.map((v) => v.visitor.current))}, chr(31)),
                           string_to_array(${list(views.map((v) => v.visitor.previous))}, chr(31)),
                           string_to_array(${list(views.map((v) => v.slug))}, chr(31))) as c(visitor, previous, slug)
      where ${startedBefore(notAfter)}
    ), fresh as (
      insert into recent_visits (visitor, expires_at)
      select visitor, ${expires}::timestamptz from candidate c
      where not exists (
        select 1 from recent_visits r where r.visitor = c.previous and r.expires_at > ${now.toISOString()}::timestamptz
      )
      order by visitor
      on conflict (visitor) do update set expires_at = excluded.expires_at
        where recent_visits.expires_at <= ${now.toISOString()}::timestamptz
      returning visitor
    ), counted as (
      select slug, count(*) as n from fresh join candidate using (visitor) group by slug
    ), ${addToTotalsAndDays('counted', day)}, ${addReaderBreakdowns(values, day, valuesPerDay)}
    select 'fresh' as kind, visitor as key, 0 as count from fresh
    union all
    select 'total', s.slug, coalesce(b.count, v.count, 0)
    from (select distinct slug from candidate) s left join total b using (slug) left join views v using (slug)`)
  const fresh = new Set<string>()
  const totals = new Map<string, number>()
  for (const row of rowsOf<{ kind: string; key: string; count: string | number }>(result)) {
    if (row.kind === 'fresh') fresh.add(row.key)
    else totals.set(row.key, Number(row.count))
  }
  return { fresh, totals }
}

export async function forgetExpiredVisitors(db: Database, now: Date): Promise<number> {
  return affectedRows(
    await db.execute(sql`delete from recent_visits where expires_at <= ${now.toISOString()}::timestamptz`),
  )
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
