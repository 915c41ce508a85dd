import { beforeEach, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { OTHER_VALUE } from '../../src/counting/breakdowns.ts'
import { foldDay } from '../../src/db/breakdown-upkeep.ts'
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

  test('while a day is live, past ten times the daily values a new value counts as (other); known ones keep counting', async () => {
    // BREAKDOWN_VALUES_PER_DAY 1: a live day takes up to 10 distinct values of a kind.
    const limit = { valuesPerDay: 1 }
    const site = (n: number) => `site-${n}.org`
    const additions = (values: string[], slug = 'a') => values.map((value) => ({ slug, kind: 'referrer', value, n: 1 }))
    const eight = Array.from({ length: 8 }, (_, i) => site(i + 1))
    await addViews(db(), [{ slug: 'a', n: 8 }], DAY, { ...limit, breakdowns: additions(eight) })
    // Three new values in one batch with room for two: the first two in value order get them.
    await addViews(db(), [{ slug: 'b', n: 4 }], DAY, {
      ...limit,
      breakdowns: additions(['y.org', 'z.org', 'x.org', site(1)], 'b'),
    })
    await addViews(db(), [{ slug: 'a', n: 2 }], DAY, { ...limit, breakdowns: additions(['w.org', site(2)]) })
    // Another kind and another day have ceilings of their own.
    await addViews(db(), [{ slug: 'a', n: 1 }], DAY, {
      ...limit,
      breakdowns: [{ slug: 'a', kind: 'os', value: 'iOS', n: 1 }],
    })
    await addViews(db(), [{ slug: 'a', n: 1 }], '2026-12-01', { ...limit, breakdowns: additions(['v.org']) })
    const referrers = (await breakdownTotals(db())).referrer!
    expect(Object.keys(referrers).filter((value) => value !== OTHER_VALUE && value !== 'v.org')).toHaveLength(10)
    expect(referrers).toMatchObject({
      [site(1)]: 2,
      [site(2)]: 2,
      'x.org': 1,
      'y.org': 1,
      [OTHER_VALUE]: 2,
      'v.org': 1,
    })
    expect(referrers['z.org']).toBeUndefined()
    expect(referrers['w.org']).toBeUndefined()
    expect((await breakdownTotals(db())).os).toEqual({ iOS: 1 })
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

  test('from (other) when the view was counted there past the live ceiling', async () => {
    const limit = { valuesPerDay: 1 }
    const add = (slug: string, values: string[]) =>
      addViews(db(), [{ slug, n: values.length }], DAY, {
        ...limit,
        breakdowns: values.map((value) => ({ slug, kind: 'referrer', value, n: 1 })),
      })
    const ten = Array.from({ length: 10 }, (_, i) => `site-${i}.org`)
    await add('a', ten)
    await add('a', ['second.org'])
    await add('a', ['third.org'])
    expect((await breakdownTotals(db())).referrer![OTHER_VALUE]).toBe(2)
    expect(await takeBackViews(db(), [{ slug: 'a', day: DAY, breakdowns: [referrer('second.org')] }])).toBe(1)
    expect((await breakdownTotals(db())).referrer![OTHER_VALUE]).toBe(1)
    await takeBackViews(db(), [{ slug: 'a', day: DAY, breakdowns: [referrer('third.org'), referrer('site-0.org')] }])
    const left = await breakdownRows(db())
    expect(left.map((row) => row.value)).toEqual(ten.slice(1))
  })

  test('from (other) when the nightly fold moved its value there, from its own row when the fold kept it', async () => {
    const add = (slug: string, value: string, n: number) =>
      addViews(db(), [{ slug, n }], DAY, { breakdowns: [{ slug, kind: 'referrer', value, n }] })
    await add('a', 'kept.org', 3)
    await add('a', 'folded.org', 1)
    await add('b', 'folded.org', 1)
    expect(await foldDay(db(), DAY, 1)).toBe(2)
    const one = (slug: string, value: string) => ({ slug, day: DAY, breakdowns: [referrer(value)] })
    expect(await takeBackViews(db(), [one('a', 'folded.org'), one('a', 'kept.org')])).toBe(2)
    expect((await breakdownRows(db())).map(({ value, slug, count }) => [value, slug, count])).toEqual([
      [OTHER_VALUE, 'b', '1'],
      ['kept.org', 'a', '2'],
    ])
  })

  test("rows brought to zero are deleted on the taken views' days only", async () => {
    // Another day of the page, left at zero so that the delete would show it looked there: it must not.
    await db().execute(
      sql`insert into daily_breakdowns (day, kind, value, slug, count) values ('2026-11-01', 'os', 'iOS', 'a', 0)`,
    )
    await addViews(db(), [{ slug: 'a', n: 1 }], DAY, { breakdowns: [{ slug: 'a', kind: 'os', value: 'iOS', n: 1 }] })
    await takeBackViews(db(), [{ slug: 'a', day: DAY, breakdowns: [{ kind: 'os', value: 'iOS' }] }])
    expect((await breakdownRows(db())).map(({ day, count }) => [day, count])).toEqual([['2026-11-01', '0']])
  })
})
