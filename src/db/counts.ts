import { asc, desc, eq, inArray, sql } from 'drizzle-orm'
import type { Database } from './client.ts'
import { views } from './schema.ts'

export interface SlugCount {
  slug: string
  count: number
}

// One statement, so concurrent increments of one slug serialise on its row and none is lost.
export async function incrementView(db: Database, slug: string): Promise<number> {
  const [row] = await db
    .insert(views)
    .values({ slug, count: 1 })
    .onConflictDoUpdate({ target: views.slug, set: { count: sql`${views.count} + 1`, lastSeen: sql`now()` } })
    .returning({ count: views.count })
  return row!.count
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
