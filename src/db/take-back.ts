import { sql } from 'drizzle-orm'
import type { Database } from './client.ts'
import { rowsOf } from './rows.ts'

/** One committed view to take back: its slug, the day it was added to, and in readers mode its visitor. */
export interface CommittedView {
  slug: string
  day: string
  /** The visitor key the view's batch inserted into recent_visits, and the expiry it wrote. */
  visitor?: { key: string; expiresAt: string }
}

const SEPARATOR = '\x1f'
const list = (values: string[]) => values.join(SEPARATOR)

/**
 * Takes back views that committed after their requests were answered with an error: totals and
 * days minus them, and in readers mode their visitor keys forgotten so the reader counts when they
 * come back. A reader's view is taken back only if its key is still the one its batch wrote (same
 * expiry): so running this twice takes a reader's view back once, and a key that expired and was
 * written again by a later, answered view is left alone. A view without a visitor has nothing to
 * tell that it was already taken back. Rows brought to zero are deleted, as if the views had never
 * come. Returns how many views were taken back.
 */
export async function takeBackViews(db: Database, committed: CommittedView[]): Promise<number> {
  return db.transaction(async (tx) => {
    // string_to_array('') is an empty array, which unnest pads with nulls: a missing visitor reads as null or ''.
    const result = await tx.execute(sql`
      with taken as (
        select * from unnest(string_to_array(${list(committed.map((v) => v.slug))}, chr(31)),
                             string_to_array(${list(committed.map((v) => v.day))}, chr(31))::date[],
                             string_to_array(${list(committed.map((v) => v.visitor?.key ?? ''))}, chr(31)),
                             string_to_array(${list(committed.map((v) => v.visitor?.expiresAt ?? ''))}, chr(31)))
          as t(slug, day, visitor, expires_at)
      ), forgotten as (
        delete from recent_visits r using taken t
        where r.visitor = t.visitor and r.expires_at = nullif(t.expires_at, '')::timestamptz
        returning r.visitor
      ), undone as (
        select slug, day, count(*) as n from taken
        where coalesce(visitor, '') = '' or visitor in (select visitor from forgotten)
        group by slug, day
      ), total as (
        update views v set count = greatest(v.count - u.n, 0)
        from (select slug, sum(n) as n from undone group by slug) u where v.slug = u.slug
      ), daily as (
        update daily_views d set count = greatest(d.count - u.n, 0)
        from undone u where d.slug = u.slug and d.day = u.day
      )
      select coalesce(sum(n), 0)::int as n from undone`)
    const slugs = list([...new Set(committed.map((v) => v.slug))])
    await tx.execute(sql`delete from views where count = 0 and slug = any(string_to_array(${slugs}, chr(31)))`)
    await tx.execute(sql`delete from daily_views where count = 0 and slug = any(string_to_array(${slugs}, chr(31)))`)
    return rowsOf<{ n: number }>(result)[0]!.n
  })
}
