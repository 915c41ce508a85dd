import { sql } from 'drizzle-orm'
import type { Database } from '../../src/db/client.ts'
import { rowsOf } from '../../src/db/rows.ts'

/** The count and breakdown tables exactly as stored, last_seen to the microsecond, in a stable order. */
export async function tableSnapshot(db: Database) {
  return {
    views: rowsOf(await db.execute(sql`select slug, count::text, last_seen::text from views order by slug`)),
    daily: rowsOf(await db.execute(sql`select slug, day::text, count::text from daily_views order by slug, day`)),
    breakdowns: rowsOf(
      await db.execute(
        sql`select kind, day::text, value, slug, count::text from daily_breakdowns order by kind, day, value, slug`,
      ),
    ),
  }
}

export async function emptyTables(db: Database) {
  await db.execute(sql`delete from views`)
  await db.execute(sql`delete from daily_views`)
  await db.execute(sql`delete from daily_breakdowns`)
}
