import { beforeEach, describe, expect, test } from 'bun:test'
import { OTHER_VALUE } from '../../src/counting/breakdowns.ts'
import { daysToFold, foldDay, forgetBreakdownsBefore } from '../../src/db/breakdown-upkeep.ts'
import { addViews } from '../../src/db/counts.ts'
import { dailyBreakdowns } from '../../src/db/schema.ts'
import { useMigratedDatabase } from '../support/database.ts'
import { breakdownRows, breakdownTotals, emptyTables, pageKindTotals } from '../support/tables.ts'

const database = useMigratedDatabase()
const db = () => database.handle.db
beforeEach(() => emptyTables(db()))

const DAY = '2026-11-30'
const row = (kind: string, value: string, slug: string, count: number, day = DAY) => ({ kind, day, value, slug, count })
const stored = async () => (await breakdownRows(db())).map((r) => `${r.day} ${r.kind} ${r.value} ${r.slug} ${r.count}`)

describe('folding a day that is over', () => {
  test("keeps each kind's top values by site-wide views and moves each page's rest into its own (other)", async () => {
    await db()
      .insert(dailyBreakdowns)
      .values([
        // Site-wide: x.org 5, y.org 4, z.org 1. Ties go by value in code point order: "B" before "a".
        row('referrer', 'x.org', 'a', 5),
        row('referrer', 'y.org', 'a', 1),
        row('referrer', 'y.org', 'b', 3),
        row('referrer', 'z.org', 'b', 1),
        row('referrer', OTHER_VALUE, 'b', 2),
        row('browser', 'a-browser', 'a', 2),
        row('browser', 'B-browser', 'b', 2),
        row('browser', 'c-browser', 'b', 1),
        // A kind within its limit, and another day, are left as they are.
        row('os', 'iOS', 'a', 1),
        row('referrer', 'y.org', 'a', 1, '2026-11-29'),
        row('referrer', 'z.org', 'a', 1, '2026-11-29'),
      ])
    const before = await pageKindTotals(db())
    expect(await foldDay(db(), DAY, 1)).toBe(5)
    expect(await pageKindTotals(db())).toEqual(before)
    const after = await stored()
    expect(after).toEqual([
      '2026-11-29 referrer y.org a 1',
      '2026-11-29 referrer z.org a 1',
      `${DAY} browser ${OTHER_VALUE} a 2`,
      `${DAY} browser ${OTHER_VALUE} b 1`,
      `${DAY} browser B-browser b 2`,
      `${DAY} os iOS a 1`,
      `${DAY} referrer ${OTHER_VALUE} a 1`,
      `${DAY} referrer ${OTHER_VALUE} b 6`,
      `${DAY} referrer x.org a 5`,
    ])
    // Folding again changes nothing.
    expect(await foldDay(db(), DAY, 1)).toBe(0)
    expect(await stored()).toEqual(after)
  })

  test('made-up referrers sent first no longer push out a real one: it counts live and outlasts the fold', async () => {
    // The default, BREAKDOWN_VALUES_PER_DAY 200: 200 made-up referrers, one view each, then a real one.
    const add = (value: string, n: number) =>
      addViews(db(), [{ slug: 'a', n }], DAY, { breakdowns: [{ slug: 'a', kind: 'referrer', value, n }] })
    for (let i = 0; i < 200; i++) await add(`fake-${String(i).padStart(3, '0')}.example`, 1)
    for (let i = 0; i < 50; i++) await add('real.example', 1)
    expect((await breakdownTotals(db())).referrer!['real.example']).toBe(50)
    const before = await pageKindTotals(db())
    expect(await foldDay(db(), DAY, 200)).toBe(1)
    expect(await pageKindTotals(db())).toEqual(before)
    const referrers = (await breakdownTotals(db())).referrer!
    expect(referrers['real.example']).toBe(50)
    expect(referrers[OTHER_VALUE]).toBe(1)
    expect(referrers['fake-199.example']).toBeUndefined()
    expect(Object.keys(referrers)).toHaveLength(201)
  }, 30_000)

  test('the days left to fold are those before today with more distinct values of a kind than the limit', async () => {
    const many = (day: string) => ['a', 'b', 'c'].map((value) => row('campaign', value, 'p', 1, day))
    await db()
      .insert(dailyBreakdowns)
      .values([
        ...many('2026-11-27'),
        // Two values and (other): within a limit of 2.
        ...many('2026-11-28').slice(0, 2),
        row('campaign', OTHER_VALUE, 'p', 5, '2026-11-28'),
        ...many('2026-11-29'),
        ...many(DAY),
      ])
    expect(await daysToFold(db(), DAY, 2)).toEqual(['2026-11-27', '2026-11-29'])
    expect(await daysToFold(db(), DAY, 2, '2026-11-28')).toEqual(['2026-11-29'])
    await foldDay(db(), '2026-11-29', 2)
    expect(await daysToFold(db(), DAY, 2, '2026-11-28')).toEqual([])
  })
})

describe('breakdown retention', () => {
  test('deletes the days before the first one kept a batch at a time, until none is left', async () => {
    const days = ['2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29']
    await db()
      .insert(dailyBreakdowns)
      .values(days.flatMap((day) => [row('os', 'iOS', 'a', 1, day), row('os', 'Android', 'b', 1, day)]))
    expect(await forgetBreakdownsBefore(db(), '2026-11-29', 2)).toEqual({ rows: 6, batches: 3 })
    expect(await stored()).toEqual(['2026-11-29 os Android b 1', '2026-11-29 os iOS a 1'])
    expect(await forgetBreakdownsBefore(db(), '2026-11-29', 2)).toEqual({ rows: 0, batches: 0 })
  })
})
