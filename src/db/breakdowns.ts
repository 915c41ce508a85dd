import { type SQL, sql } from 'drizzle-orm'
import { OTHER_VALUE } from '../counting/breakdowns.ts'
import type { Database } from './client.ts'
import { affectedRows, list } from './rows.ts'

/** One value a view adds 1 to (counting/breakdowns.ts's BreakdownValue), as stored: kind and value. */
export interface Breakdown {
  kind: string
  value: string
}

/** What a batch adds to one breakdown row of its day. */
export interface BreakdownAddition extends Breakdown {
  slug: string
  n: number
}

/**
 * Adds a CTE `added(slug, kind, value, n)`'s counts to the day's breakdowns, as CTEs that end with
 * `breakdown`. A value not yet seen that day (on any page) is counted as OTHER_VALUE once the kind
 * already has `valuesPerDay` distinct values that day, so a flood of made-up referrers or campaigns
 * cannot grow the table without limit. The check reads the statement's snapshot: batches committing
 * at the same moment may together pass the limit by their own new values, once. Rows are inserted
 * (and locked) in primary-key order, as in the other tables, so concurrent batches never deadlock.
 */
export const addToBreakdowns = (day: string, valuesPerDay: number): SQL => sql`
  new_value as (
    select kind, value, row_number() over (partition by kind order by value) as rank
    from (select distinct kind, value from added) a
    where value <> ${OTHER_VALUE} and not exists (
      select 1 from daily_breakdowns d where d.kind = a.kind and d.day = ${day}::date and d.value = a.value)
  ), present as (
    select kind, count(distinct value) as n from daily_breakdowns
    where day = ${day}::date and value <> ${OTHER_VALUE} and kind in (select kind from new_value)
    group by kind
  ), breakdown as (
    insert into daily_breakdowns (kind, day, value, slug, count)
    select a.kind, ${day}::date,
           case when coalesce(p.n, 0) + v.rank > ${valuesPerDay}::int then ${OTHER_VALUE} else a.value end,
           a.slug, sum(a.n)
    from added a left join new_value v using (kind, value) left join present p using (kind)
    group by 1, 3, 4 order by 1, 3, 4
    on conflict (kind, day, value, slug) do update set count = daily_breakdowns.count + excluded.count
  )`

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0]

/**
 * Takes breakdowns of views taken back off their days (in a transaction that already holds the
 * views' other rows): each from its value's row, or from OTHER_VALUE's when the value has no row of
 * its own (the view was folded into it). Rows brought to zero are deleted.
 */
export async function takeBackBreakdowns(tx: Transaction, taken: (BreakdownAddition & { day: string })[]) {
  if (taken.length === 0) return
  const rows = sql`unnest(string_to_array(${list(taken.map((t) => t.kind))}, chr(31)),
                          string_to_array(${list(taken.map((t) => t.day))}, chr(31))::date[],
                          string_to_array(${list(taken.map((t) => t.value))}, chr(31)),
                          string_to_array(${list(taken.map((t) => t.slug))}, chr(31)),
                          string_to_array(${list(taken.map((t) => String(t.n)))}, chr(31))::int[])
                   as u(kind, day, value, slug, n)`
  await tx.execute(sql`
    select 1 from daily_breakdowns d join ${rows}
      on d.kind = u.kind and d.day = u.day and d.value in (u.value, ${OTHER_VALUE}) and d.slug = u.slug
    order by d.kind, d.day, d.value, d.slug for update of d`)
  await tx.execute(sql`
    with placed as (
      select u.kind, u.day, u.slug, u.n,
             case when exists (select 1 from daily_breakdowns d where d.kind = u.kind and d.day = u.day
                                 and d.value = u.value and d.slug = u.slug and d.count > 0)
                  then u.value else ${OTHER_VALUE} end as value
      from ${rows}
    ), target as (
      select kind, day, value, slug, sum(n) as n from placed group by kind, day, value, slug
    )
    update daily_breakdowns d set count = greatest(d.count - t.n, 0)
    from target t where d.kind = t.kind and d.day = t.day and d.value = t.value and d.slug = t.slug`)
  await tx.execute(sql`
    delete from daily_breakdowns where count = 0 and slug = any(string_to_array(${list(taken.map((t) => t.slug))}, chr(31)))`)
}

/** Deletes the breakdowns of days before `firstKept` (YYYY-MM-DD). Returns how many rows went. */
export async function forgetBreakdownsBefore(db: Database, firstKept: string): Promise<number> {
  return affectedRows(await db.execute(sql`delete from daily_breakdowns where day < ${firstKept}::date`))
}
