import { inArray, sql } from 'drizzle-orm'
import { normaliseSlug, type TrailingSlash } from '../counting/slug.ts'
import type { Database } from './client.ts'
import { views } from './schema.ts'

export interface Merge {
  into: string
  from: string[]
  count: number
}

// A variant's days and breakdowns, added into the normal slug's rows. Slugs cannot hold control
// characters, so the unit separator cannot occur in one.
async function moveHistory(tx: Pick<Database, 'execute'>, into: string, from: string[]) {
  const variants = from.join('\x1f')
  await tx.execute(sql`
    with moved as (delete from daily_views where slug = any(string_to_array(${variants}, chr(31))) returning day, count)
    insert into daily_views (slug, day, count) select ${into}, day, sum(count) from moved group by day order by day
    on conflict (slug, day) do update set count = daily_views.count + excluded.count`)
  await tx.execute(sql`
    with moved as (
      delete from daily_breakdowns where slug = any(string_to_array(${variants}, chr(31))) returning kind, day, value, count
    )
    insert into daily_breakdowns (day, kind, value, slug, count)
    select day, kind, value, ${into}, sum(count) from moved group by day, kind, value order by day, kind, value
    on conflict (day, kind, value, slug) do update set count = daily_breakdowns.count + excluded.count`)
}

/**
 * Folds rows that name one page in different spellings (`posts/x`, `/posts/x/`, `posts/x/index.html`)
 * into the row of its normal slug, adding counts and keeping the latest last_seen; their days and
 * breakdowns move with them. One transaction: it all happens or none of it does.
 */
export async function mergeSlugVariants(
  db: Database,
  trailingSlash: TrailingSlash,
  { dryRun = false } = {},
): Promise<Merge[]> {
  return db.transaction(async (tx) => {
    const rows = await tx.select().from(views).for('update')
    const groups = new Map<string, typeof rows>()
    for (const row of rows) {
      const into = normaliseSlug(row.slug, trailingSlash)
      if (into === '') continue
      groups.set(into, [...(groups.get(into) ?? []), row])
    }
    const merges: Merge[] = []
    for (const [into, members] of groups) {
      const from = members.map((row) => row.slug).filter((slug) => slug !== into)
      if (from.length === 0) continue
      const count = members.reduce((sum, row) => sum + row.count, 0)
      const lastSeen = new Date(Math.max(...members.map((row) => row.lastSeen.getTime())))
      merges.push({ into, from, count })
      if (dryRun) continue
      await tx.delete(views).where(inArray(views.slug, from))
      await tx
        .insert(views)
        .values({ slug: into, count, lastSeen })
        .onConflictDoUpdate({
          target: views.slug,
          set: { count: sql`excluded.count`, lastSeen: sql`excluded.last_seen` },
        })
      await moveHistory(tx, into, from)
    }
    return merges
  })
}
