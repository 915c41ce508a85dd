import { beforeEach, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { OTHER_VALUE } from '../../src/counting/breakdowns.ts'
import { addReaderViews, addViews } from '../../src/db/counts.ts'
import { takeBackViews } from '../../src/db/take-back.ts'
import { useMigratedDatabase } from '../support/database.ts'
import { breakdownRows, breakdownTotals, emptyTables } from '../support/tables.ts'

const database = useMigratedDatabase()
const db = () => database.handle.db
beforeEach(async () => {
  await emptyTables(db())
  await db().execute(sql`delete from recent_visits`)
})

const DAY = '2026-11-30'
const now = new Date('2026-11-30T12:00:00Z')
const expiresAt = new Date('2026-11-30T12:30:00Z')
const referrer = (value: string) => ({ kind: 'referrer', value })
const reader = (n: number, slug = 'posts/a/', values = [referrer('example.org')]) => ({
  slug,
  visitor: { current: `key-${n}`, previous: `old-${n}` },
  breakdowns: values,
})

describe('adding breakdowns', () => {
  test('only the readers that counted add theirs: one seen within the window adds nothing', async () => {
    await addReaderViews(db(), [reader(1)], { now, expiresAt, day: DAY })
    const { fresh } = await addReaderViews(db(), [reader(1), reader(2, 'posts/b/', [referrer('lobste.rs')])], {
      now,
      expiresAt,
      day: DAY,
    })
    expect([...fresh]).toEqual(['key-2'])
    expect(await breakdownTotals(db())).toEqual({ referrer: { 'example.org': 1, 'lobste.rs': 1 } })
  })

  test('a statement that starts after its deadline adds no breakdowns either', async () => {
    const past = new Date(Date.now() - 1000)
    await addViews(db(), [{ slug: 'a', n: 1 }], DAY, {
      notAfter: past,
      breakdowns: [{ slug: 'a', kind: 'referrer', value: 'x.org', n: 1 }],
    })
    await addReaderViews(db(), [reader(1)], { now, expiresAt, day: DAY, notAfter: past })
    expect(await breakdownRows(db())).toEqual([])
  })

  test('past the daily limit of distinct values, a new value counts as (other) while known ones keep counting', async () => {
    const limit = { valuesPerDay: 3 }
    const additions = (values: string[], slug = 'a') => values.map((value) => ({ slug, kind: 'referrer', value, n: 1 }))
    await addViews(db(), [{ slug: 'a', n: 2 }], DAY, { ...limit, breakdowns: additions(['a.org', 'b.org']) })
    // Two new values in one batch with room for one: the first in value order gets it.
    await addViews(db(), [{ slug: 'b', n: 3 }], DAY, {
      ...limit,
      breakdowns: additions(['d.org', 'c.org', 'a.org'], 'b'),
    })
    await addViews(db(), [{ slug: 'a', n: 2 }], DAY, { ...limit, breakdowns: additions(['e.org', 'b.org']) })
    // Another kind and another day have limits of their own.
    await addViews(db(), [{ slug: 'a', n: 1 }], DAY, {
      ...limit,
      breakdowns: [{ slug: 'a', kind: 'os', value: 'iOS', n: 1 }],
    })
    await addViews(db(), [{ slug: 'a', n: 1 }], '2026-12-01', { ...limit, breakdowns: additions(['z.org']) })
    expect(await breakdownTotals(db())).toEqual({
      referrer: { 'a.org': 2, 'b.org': 2, 'c.org': 1, [OTHER_VALUE]: 2, 'z.org': 1 },
      os: { iOS: 1 },
    })
  })
})

describe('taking back a view takes back its breakdowns', () => {
  test('subtracted from its value, and rows brought to zero deleted', async () => {
    const two = [referrer('example.org'), { kind: 'os', value: 'iOS' }]
    await addReaderViews(db(), [reader(1, 'posts/a/', two), reader(2, 'posts/a/', [referrer('example.org')])], {
      now,
      expiresAt,
      day: DAY,
    })
    const visitor = { key: 'key-1', expiresAt: expiresAt.toISOString() }
    expect(await takeBackViews(db(), [{ slug: 'posts/a/', day: DAY, visitor, breakdowns: two }])).toBe(1)
    expect(await breakdownTotals(db())).toEqual({ referrer: { 'example.org': 1 } })
    // Taking it back again finds its key gone and takes nothing.
    expect(await takeBackViews(db(), [{ slug: 'posts/a/', day: DAY, visitor, breakdowns: two }])).toBe(0)
    expect(await breakdownTotals(db())).toEqual({ referrer: { 'example.org': 1 } })
  })

  test('from (other) when the view was folded into it', async () => {
    const limit = { valuesPerDay: 1 }
    const add = (slug: string, value: string) =>
      addViews(db(), [{ slug, n: 1 }], DAY, { ...limit, breakdowns: [{ slug, kind: 'referrer', value, n: 1 }] })
    await add('a', 'first.org')
    await add('a', 'second.org')
    await add('a', 'third.org')
    expect(await breakdownTotals(db())).toEqual({ referrer: { 'first.org': 1, [OTHER_VALUE]: 2 } })
    expect(await takeBackViews(db(), [{ slug: 'a', day: DAY, breakdowns: [referrer('second.org')] }])).toBe(1)
    expect(await breakdownTotals(db())).toEqual({ referrer: { 'first.org': 1, [OTHER_VALUE]: 1 } })
    await takeBackViews(db(), [{ slug: 'a', day: DAY, breakdowns: [referrer('third.org'), referrer('first.org')] }])
    expect(await breakdownRows(db())).toEqual([])
  })
})
