import { sql } from 'drizzle-orm'
import { OTHER_VALUE } from '../counting/breakdowns.ts'
import type { Database } from './client.ts'
import { affectedRows, rowsOf } from './rows.ts'

// What the janitor (counting/visitor-janitor.ts) does to daily_breakdowns once days are over:
// folding each to its top values, and deleting those past their retention. Both read the table by
// its primary key, which leads with the day.

/**
 * The days before `today` (and from `since` on, when given) on which some kind has more than
 * `valuesPerDay` distinct values: the days a fold has left to do. A folded day has no more, so
 * asking again finds it only if a late batch has added values to it since.
 */
export async function daysToFold(db: Database, today: string, valuesPerDay: number, since?: string): Promise<string[]> {
  const from = since === undefined ? sql`` : sql`and day >= ${since}::date`
  const result = await db.execute(sql`
    select day::text as day from (
      select day, kind from (
        select distinct day, kind, value from daily_breakdowns
        where day < ${today}::date ${from} and value <> ${OTHER_VALUE}
      ) v group by day, kind having count(*) > ${valuesPerDay}::int
    ) k group by day order by day`)
  return rowsOf<{ day: string }>(result).map((row) => row.day)
}

/**
 * Folds a day that is over down to its `valuesPerDay` values of each kind with the most views
 * site-wide (ties by value, in code point order on both backends): every page's counts of the other
 * values move into that page's OTHER_VALUE row, so each page's views of a kind that day stay exactly
 * what they were. One transaction, which locks the day's rows in primary-key order as every writer
 * does; folding a folded day changes nothing. Returns how many rows were folded away.
 */
export function foldDay(db: Database, day: string, valuesPerDay: number): Promise<number> {
  return db.transaction(async (tx) => {
    // Counted rather than returned: a day may hold thousands of rows, none of which the client needs.
    await tx.execute(sql`
      select count(*) from (
        select 1 from daily_breakdowns where day = ${day}::date order by kind, value, slug for update
      ) locked`)
    const result = await tx.execute(sql`
      with ranked as (
        select kind, value, row_number() over (partition by kind order by sum(count) desc, value collate "C") as rank
        from daily_breakdowns where day = ${day}::date and value <> ${OTHER_VALUE}
        group by kind, value
      ), moved as (
        delete from daily_breakdowns d using ranked r
        where d.day = ${day}::date and d.kind = r.kind and d.value = r.value and r.rank > ${valuesPerDay}::int
        returning d.kind, d.slug, d.count
      ), other as (
        insert into daily_breakdowns (day, kind, value, slug, count)
        select ${day}::date, kind, ${OTHER_VALUE}, slug, sum(count) from moved group by kind, slug order by kind, slug
        on conflict (day, kind, value, slug) do update set count = daily_breakdowns.count + excluded.count
      )
      select count(*)::int as folded from moved`)
    return Number(rowsOf<{ folded: number }>(result)[0]?.folded ?? 0)
  })
}

/**
 * Deletes the breakdowns of days before `firstKept` (YYYY-MM-DD), `batchSize` rows a statement
 * until none are left, so no one statement holds locks and writes WAL for a whole backlog (a first
 * retention set on a year of rows). Each batch locks its rows in primary-key order.
 */
export async function forgetBreakdownsBefore(
  db: Database,
  firstKept: string,
  batchSize = 10_000,
): Promise<{ rows: number; batches: number }> {
  let rows = 0
  let batches = 0
  while (true) {
    const deleted = affectedRows(
      await db.execute(sql`
        delete from daily_breakdowns d using (
          select day, kind, value, slug from daily_breakdowns where day < ${firstKept}::date
          order by day, kind, value, slug limit ${batchSize}::int for update
        ) old
        where d.day = old.day and d.kind = old.kind and d.value = old.value and d.slug = old.slug`),
    )
    rows += deleted
    if (deleted > 0) batches++
    if (deleted < batchSize) return { rows, batches }
  }
}
