import { type SQL, sql } from 'drizzle-orm'
import { OTHER_VALUE } from '../counting/breakdowns.ts'
import type { Database } from './client.ts'
import { list } from './rows.ts'

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

export interface BreakdownOptions {
  /** BREAKDOWN_VALUES_PER_DAY: a live day takes LIVE_CEILING_FACTOR times as many distinct values of a kind. */
  valuesPerDay?: number
}

/** BREAKDOWN_VALUES_PER_DAY's default: distinct values of a kind a day keeps once it is over. */
export const VALUES_PER_DAY = 200

/**
 * While a day is live, a kind may reach this many times BREAKDOWN_VALUES_PER_DAY distinct values
 * before new ones count as OTHER_VALUE: room enough that values arriving early (made-up referrers
 * sent first thing) cannot push out the real ones arriving later, and still a bound on a day's
 * rows. Once the day is over the janitor folds it to its top values (db/breakdown-upkeep.ts).
 */
export const LIVE_CEILING_FACTOR = 10

/**
 * CTEs ending with `breakdown` that add a CTE `added(slug, kind, value, n)`'s counts to the day's
 * breakdowns. A value not yet seen that day (on any page) is counted as OTHER_VALUE once the kind
 * already has the live ceiling of distinct values that day. The check reads the statement's
 * snapshot: batches committing at the same moment may together pass the ceiling by their own new
 * values, once. Rows are inserted (and locked) in primary-key order: one day, then kind, value and
 * slug, as in the other tables, so concurrent batches never deadlock.
 */
const addToBreakdowns = (day: string, valuesPerDay: number): SQL => sql`
  new_value as (
    select kind, value, row_number() over (partition by kind order by value) as rank
    from (select distinct kind, value from added) a
    where value <> ${OTHER_VALUE} and not exists (
      select 1 from daily_breakdowns d where d.day = ${day}::date and d.kind = a.kind and d.value = a.value)
  ), present as (
    select kind, count(distinct value) as n from daily_breakdowns
    where day = ${day}::date and value <> ${OTHER_VALUE} and kind in (select kind from new_value)
    group by kind
  ), breakdown as (
    insert into daily_breakdowns (day, kind, value, slug, count)
    select ${day}::date, a.kind,
           case when coalesce(p.n, 0) + v.rank > ${valuesPerDay * LIVE_CEILING_FACTOR}::int
                then ${OTHER_VALUE} else a.value end,
           a.slug, sum(a.n)
    from added a left join new_value v using (kind, value) left join present p using (kind)
    group by 2, 3, 4 order by 2, 3, 4
    on conflict (day, kind, value, slug) do update set count = daily_breakdowns.count + excluded.count
  )`

/**
 * The CTEs that add a batch's breakdowns (each slug, kind and value named once) to `day`, when
 * `counts` holds: db/counts.ts's addViews puts them after its own.
 */
export const addBatchBreakdowns = (
  breakdowns: BreakdownAddition[],
  day: string,
  valuesPerDay: number,
  counts: SQL,
) => sql`
  added as (
    select * from unnest(string_to_array(${list(breakdowns.map((b) => b.slug))}, chr(31)),
                         string_to_array(${list(breakdowns.map((b) => b.kind))}, chr(31)),
                         string_to_array(${list(breakdowns.map((b) => b.value))}, chr(31)),
                         string_to_array(${list(breakdowns.map((b) => b.n))}, chr(31))::bigint[])
                  as a(slug, kind, value, n)
    where ${counts}
  ), ${addToBreakdowns(day, valuesPerDay)}`

/**
 * The CTEs that add to `day` the breakdowns of the readers who counted: `values` are each
 * visitor's, joined to db/counts.ts addReaderViews's CTEs `fresh(visitor)` (the keys that counted)
 * and `candidate(visitor, previous, slug)`, which must come before these.
 */
export const addReaderBreakdowns = (
  values: (Breakdown & { visitor: string })[],
  day: string,
  valuesPerDay: number,
) => sql`
  added as (
    select c.slug, b.kind, b.value, count(*) as n
    from fresh join candidate c using (visitor)
    join unnest(string_to_array(${list(values.map((v) => v.visitor))}, chr(31)),
                string_to_array(${list(values.map((v) => v.kind))}, chr(31)),
                string_to_array(${list(values.map((v) => v.value))}, chr(31)))
           as b(visitor, kind, value) using (visitor)
    group by c.slug, b.kind, b.value
  ), ${addToBreakdowns(day, valuesPerDay)}`

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0]

/**
 * Takes breakdowns of views taken back off their days (in a transaction that already holds the
 * views' other rows): each from its value's row, or from OTHER_VALUE's when the value has no row of
 * its own (the view was counted there live, or its day was folded since). Rows are locked in
 * primary-key order; those brought to zero are deleted, looking only at the taken pages' days.
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
      on d.day = u.day and d.kind = u.kind and d.value in (u.value, ${OTHER_VALUE}) and d.slug = u.slug
    order by d.day, d.kind, d.value, d.slug for update of d`)
  await tx.execute(sql`
    with placed as (
      select u.kind, u.day, u.slug, u.n,
             case when exists (select 1 from daily_breakdowns d where d.day = u.day and d.kind = u.kind
                                 and d.value = u.value and d.slug = u.slug and d.count > 0)
                  then u.value else ${OTHER_VALUE} end as value
      from ${rows}
    ), target as (
      select kind, day, value, slug, sum(n) as n from placed group by kind, day, value, slug
    )
    update daily_breakdowns d set count = greatest(d.count - t.n, 0)
    from target t where d.day = t.day and d.kind = t.kind and d.value = t.value and d.slug = t.slug`)
  await tx.execute(sql`
    delete from daily_breakdowns d using (select distinct day, slug from ${rows}) u
    where d.slug = u.slug and d.day = u.day and d.count = 0`)
}
