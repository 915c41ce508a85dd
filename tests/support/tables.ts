import { sql } from 'drizzle-orm'
import type { Database } from '../../src/db/client.ts'
import { rowsOf } from '../../src/db/rows.ts'

/** Both count tables exactly as stored, last_seen to the microsecond, in a stable order. */
export async function tableSnapshot(db: Database) {
  return {
    views: rowsOf(await db.execute(sql`select slug, count::text, last_seen::text from views order by slug`)),
    daily: rowsOf(await db.execute(sql`select slug, day::text, count::text from daily_views order by slug, day`)),
  }
}

export async function emptyTables(db: Database) {
  await db.execute(sql`delete from views`)
  await db.execute(sql`delete from daily_views`)
}
