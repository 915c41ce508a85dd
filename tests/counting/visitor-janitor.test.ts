import { beforeEach, describe, expect, test } from 'bun:test'
import { keepForgettingVisitors } from '../../src/counting/visitor-janitor.ts'
import { recentVisits } from '../../src/db/schema.ts'
import { quietLog } from '../support/app.ts'
import { useMigratedDatabase } from '../support/database.ts'

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
