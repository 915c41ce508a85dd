import { sql } from 'drizzle-orm'
import type { Database } from '../../src/db/client.ts'
import { rowsOf } from '../../src/db/rows.ts'

/** The count and breakdown tables exactly as stored, last_seen to the microsecond, in a stable order. */
export async function tableSnapshot(db: Database) {
  return {
    views: rowsOf(await db.execute(sql`select slug, count::text, last_seen::text from views order by slug`)),
    daily: rowsOf(await db.execute(sql`select slug, day::text, count::text from daily_views order by slug, day`)),
    breakdowns: await breakdownRows(db),
  }
}

export async function emptyTables(db: Database) {
  await db.execute(sql`delete from views`)
  await db.execute(sql`delete from daily_views`)
  await db.execute(sql`delete from daily_breakdowns`)
}

/** Every daily_breakdowns row as stored, in primary-key order. */
export async function breakdownRows(db: Database) {
  return rowsOf<{ kind: string; day: string; value: string; slug: string; count: string }>(
    await db.execute(
      sql`select kind, day::text, value, slug, count::text from daily_breakdowns order by day, kind, value, slug`,
    ),
  )
}

/** Each page's views of each kind on each day (`day kind slug` → count): what a fold must keep exactly. */
export async function pageKindTotals(db: Database) {
  const totals: Record<string, number> = {}
  for (const { day, kind, slug, count } of await breakdownRows(db)) {
    const key = `${day} ${kind} ${slug}`
    totals[key] = (totals[key] ?? 0) + Number(count)
  }
  return totals
}

/** kind → value → count, summed over pages and days. */
export async function breakdownTotals(db: Database) {
  const totals: Record<string, Record<string, number>> = {}
  for (const row of await breakdownRows(db)) {
    totals[row.kind] ??= {}
    totals[row.kind]![row.value] = (totals[row.kind]![row.value] ?? 0) + Number(row.count)
  }
  return totals
}
