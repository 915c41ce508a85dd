import { beforeEach, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { OTHER_VALUE } from '../../src/counting/breakdowns.ts'
import { keepForgettingVisitors } from '../../src/counting/visitor-janitor.ts'
import { dailyBreakdowns, dailyViews, recentVisits } from '../../src/db/schema.ts'
import { quietLog } from '../support/app.ts'
import { useMigratedDatabase } from '../support/database.ts'
import { breakdownRows, emptyTables, pageKindTotals } from '../support/tables.ts'

const database = useMigratedDatabase()
beforeEach(async () => {
  await database.handle.db.delete(recentVisits)
  await database.handle.db.insert(recentVisits).values([
    { visitor: 'expired', expiresAt: new Date(Date.now() - 60_000) },
    { visitor: 'current', expiresAt: new Date(Date.now() + 60 * 60_000) },
  ])
})

const visitors = async () =>
  (await database.handle.db.select({ visitor: recentVisits.visitor }).from(recentVisits)).map((row) => row.visitor)

async function waitFor(condition: () => Promise<boolean>, ms = 10_000) {
  const deadline = Date.now() + ms
  while (!(await condition())) {
    if (Date.now() > deadline) return false
    await Bun.sleep(20)
  }
  return true
}

describe('the visitor janitor', () => {
  test('deletes expired repeat-window entries on its own timer, and keeps current ones', async () => {
    const janitor = keepForgettingVisitors(database.handle.db, { isReady: () => true }, quietLog, 50)
    try {
      expect(await waitFor(async () => (await visitors()).length === 1)).toBe(true)
      expect(await visitors()).toEqual(['current'])
    } finally {
      await janitor.stop()
    }
  })

  test('leaves the database alone while it is not ready, and stops when told', async () => {
    let ready = false
    const janitor = keepForgettingVisitors(database.handle.db, { isReady: () => ready }, quietLog, 50)
    await Bun.sleep(300)
    expect((await visitors()).sort()).toEqual(['current', 'expired'])
    await janitor.stop()
    ready = true
    await Bun.sleep(300)
    expect((await visitors()).sort()).toEqual(['current', 'expired'])
  })
})

describe('breakdown retention', () => {
  const rows = (days: string[]) =>
    days.map((day) => ({ kind: 'referrer', day, value: 'example.org', slug: 'a', count: 1 }))
  const days = async (table: typeof dailyBreakdowns | typeof dailyViews) =>
    (await database.handle.db.select({ day: table.day }).from(table)).map((row) => row.day).sort()

  beforeEach(async () => {
    await emptyTables(database.handle.db)
    await database.handle.db.insert(dailyBreakdowns).values(rows(['2026-11-28', '2026-11-29', '2026-11-30']))
    await database.handle.db
      .insert(dailyViews)
      .values(['2026-11-28', '2026-11-29', '2026-11-30'].map((day) => ({ slug: 'a', day, count: 1 })))
  })

  test("deletes breakdowns of days past BREAKDOWN_RETENTION_DAYS in the site's calendar, never daily views", async () => {
    // 23:30 UTC on the 29th is already the 30th in Athens: two days kept are the 29th and the 30th.
    const janitor = keepForgettingVisitors(database.handle.db, { isReady: () => true }, quietLog, 50, {
      breakdownRetentionDays: 2,
      timeZone: 'Europe/Athens',
      clock: () => new Date('2026-11-29T23:30:00Z'),
    })
    try {
      expect(await waitFor(async () => (await days(dailyBreakdowns)).length === 2)).toBe(true)
      expect(await days(dailyBreakdowns)).toEqual(['2026-11-29', '2026-11-30'])
      expect(await days(dailyViews)).toEqual(['2026-11-28', '2026-11-29', '2026-11-30'])
    } finally {
      await janitor.stop()
    }
  })

  test('keeps every breakdown when the retention is 0, the default', async () => {
    const janitor = keepForgettingVisitors(database.handle.db, { isReady: () => true }, quietLog, 50, {
      clock: () => new Date('2027-06-01T12:00:00Z'),
    })
    await Bun.sleep(300)
    await janitor.stop()
    expect(await days(dailyBreakdowns)).toEqual(['2026-11-28', '2026-11-29', '2026-11-30'])
  })

  test('starts no second run while one is still going, and runs again once it is done', async () => {
    // A transaction holding the table stands for a slow delete: every tick meanwhile must start nothing.
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let locked = () => {}
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve
    })
    const holder = database.handle.db.transaction(async (tx) => {
      await tx.execute(sql`lock table daily_breakdowns in access exclusive mode`)
      locked()
      await held
    })
    await isLocked
    // Each run asks the clock once, as it starts.
    let runs = 0
    const janitor = keepForgettingVisitors(database.handle.db, { isReady: () => true }, quietLog, 20, {
      breakdownRetentionDays: 1,
      clock: () => {
        runs++
        return new Date('2026-11-30T12:00:00Z')
      },
    })
    try {
      await Bun.sleep(400)
      expect(runs).toBe(1)
      release()
      await holder
      expect(await waitFor(async () => (await days(dailyBreakdowns)).length === 1)).toBe(true)
      expect(await waitFor(async () => runs > 1)).toBe(true)
    } finally {
      release()
      await holder
      await janitor.stop()
    }
  })
})

describe('folding days that are over', () => {
  const values = (day: string, slug: string, counts: Record<string, number>) =>
    Object.entries(counts).map(([value, count]) => ({ kind: 'referrer', day, value, slug, count }))
  const referrerValuesOn = async (day: string) => [
    ...new Set((await breakdownRows(database.handle.db)).filter((row) => row.day === day).map((row) => row.value)),
  ]

  beforeEach(async () => {
    await emptyTables(database.handle.db)
    await database.handle.db
      .insert(dailyBreakdowns)
      .values([
        ...values('2026-11-29', 'a', { 'x.org': 5, 'y.org': 2, 'z.org': 1 }),
        ...values('2026-11-29', 'b', { 'y.org': 2 }),
        ...values('2026-11-30', 'a', { 'x.org': 1, 'y.org': 1, 'z.org': 1 }),
      ])
  })

  test("folds each day before today in the site's calendar, once a day, and leaves today live", async () => {
    // 23:30 UTC on the 29th is already the 30th in Athens: the 29th is over there, the 30th live.
    let now = new Date('2026-11-29T23:30:00Z')
    const janitor = keepForgettingVisitors(database.handle.db, { isReady: () => true }, quietLog, 20, {
      breakdownValuesPerDay: 1,
      timeZone: 'Europe/Athens',
      clock: () => now,
    })
    try {
      const before = await pageKindTotals(database.handle.db)
      expect(await waitFor(async () => (await referrerValuesOn('2026-11-29')).length === 2)).toBe(true)
      expect(await pageKindTotals(database.handle.db)).toEqual(before)
      expect(await referrerValuesOn('2026-11-29')).toEqual([OTHER_VALUE, 'x.org'])
      expect(await referrerValuesOn('2026-11-30')).toEqual(['x.org', 'y.org', 'z.org'])
      // A batch begun before midnight adds a value to the 29th late: the janitor looks again only
      // when the day changes, and then folds it too.
      await database.handle.db.insert(dailyBreakdowns).values(values('2026-11-29', 'b', { 'late.org': 1 }))
      await Bun.sleep(200)
      expect(await referrerValuesOn('2026-11-29')).toEqual([OTHER_VALUE, 'late.org', 'x.org'])
      now = new Date('2026-11-30T23:30:00Z')
      expect(await waitFor(async () => (await referrerValuesOn('2026-11-30')).length === 2)).toBe(true)
      expect(await referrerValuesOn('2026-11-29')).toEqual([OTHER_VALUE, 'x.org'])
      expect(await pageKindTotals(database.handle.db)).toEqual({ ...before, '2026-11-29 referrer b': 3 })
    } finally {
      await janitor.stop()
    }
  })
})
