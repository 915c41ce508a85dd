import { sql } from 'drizzle-orm'
import { type Breakdown, takeBackBreakdowns } from './breakdowns.ts'
import type { Database } from './client.ts'
import { list, rowsOf } from './rows.ts'

/** One committed view to take back: its slug, the day it was added to, and in readers mode its visitor. */
export interface CommittedView {
  slug: string
  day: string
  /** The visitor key the view's batch inserted into recent_visits, and the expiry it wrote. */
  visitor?: { key: string; expiresAt: string }
  /** What the view added to its day's breakdowns. */
  breakdowns?: Breakdown[]
}

/**
 * Takes back views that committed after their requests were answered with an error: totals and
 * days minus them, and in readers mode their visitor keys forgotten so the reader counts when they
 * come back. A reader's view is taken back only if its key is still the one its batch wrote (same
 * expiry): so running this twice takes a reader's view back once, and a key that expired and was
 * written again by a later, answered view is left alone. A view without a visitor has nothing to
 * tell that it was already taken back. Its breakdowns go with it (db/breakdowns.ts). Rows brought
 * to zero are deleted, as if the views had never come. Returns how many views were taken back.
 */
export async function takeBackViews(db: Database, committed: CommittedView[]): Promise<number> {
  return db.transaction(async (tx) => {
    // In the order a batch takes its locks (recent_visits, views, daily_views, daily_breakdowns;
    // rows by key), so this never deadlocks with one. string_to_array('') is an empty array, which
    // unnest pads with nulls: a missing visitor reads as null or ''.
    const keys = list(committed.flatMap((v) => (v.visitor ? [v.visitor.key] : [])))
    await tx.execute(sql`
      select 1 from recent_visits where visitor = any(string_to_array(${keys}, chr(31))) order by visitor for update`)
    const undoneRows = rowsOf<{ i: number }>(
      await tx.execute(sql`
        with taken as (
          select * from unnest(string_to_array(${list(committed.map((v) => v.slug))}, chr(31)),
                               string_to_array(${list(committed.map((v) => v.day))}, chr(31)),
                               string_to_array(${list(committed.map((v) => v.visitor?.key ?? ''))}, chr(31)),
                               string_to_array(${list(committed.map((v) => v.visitor?.expiresAt ?? ''))}, chr(31)))
            with ordinality as t(slug, day, visitor, expires_at, i)
        ), forgotten as (
          delete from recent_visits r using taken t
          where r.visitor = t.visitor and r.expires_at = nullif(t.expires_at, '')::timestamptz
          returning r.visitor, r.expires_at
        )
        select i::int from taken t
        where coalesce(t.visitor, '') = ''
           or exists (select 1 from forgotten f
                      where f.visitor = t.visitor and f.expires_at = nullif(t.expires_at, '')::timestamptz)`),
    )
    if (undoneRows.length === 0) return 0
    const views = undoneRows.map(({ i }) => committed[Number(i) - 1]!)
    const undone = [...Map.groupBy(views, (v) => `${v.slug}\n${v.day}`).values()].map((group) => ({
      slug: group[0]!.slug,
      day: group[0]!.day,
      n: group.length,
    }))
    const slugs = list(undone.map((u) => u.slug))
    const days = list(undone.map((u) => u.day))
    const ns = list(undone.map((u) => String(u.n)))
    await tx.execute(sql`
      select 1 from views where slug = any(string_to_array(${slugs}, chr(31))) order by slug for update`)
    await tx.execute(sql`
      update views v set count = greatest(v.count - u.n, 0)
      from (select slug, sum(n) as n from unnest(string_to_array(${slugs}, chr(31)),
                                                 string_to_array(${ns}, chr(31))::int[]) as u(slug, n) group by slug) u
      where v.slug = u.slug`)
    await tx.execute(sql`
      select 1 from daily_views d
      join unnest(string_to_array(${slugs}, chr(31)), string_to_array(${days}, chr(31))::date[]) as u(slug, day)
        on d.slug = u.slug and d.day = u.day
      order by d.slug, d.day for update of d`)
    await tx.execute(sql`
      update daily_views d set count = greatest(d.count - u.n, 0)
      from unnest(string_to_array(${slugs}, chr(31)), string_to_array(${days}, chr(31))::date[],
                  string_to_array(${ns}, chr(31))::int[]) as u(slug, day, n)
      where d.slug = u.slug and d.day = u.day`)
    await takeBackBreakdowns(
      tx,
      views.flatMap(({ slug, day, breakdowns = [] }) => breakdowns.map((b) => ({ ...b, slug, day, n: 1 }))),
    )
    await tx.execute(sql`delete from views where count = 0 and slug = any(string_to_array(${slugs}, chr(31)))`)
    await tx.execute(sql`
      delete from daily_views d
      using unnest(string_to_array(${slugs}, chr(31)), string_to_array(${days}, chr(31))::date[]) as u(slug, day)
      where d.slug = u.slug and d.day = u.day and d.count = 0`)
    return views.length
  })
}
