import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { keepMigrating } from '../../src/db/readiness.ts'
import { createLogger } from '../../src/log.ts'
import { appOn, quietLog } from '../support/app.ts'
import { freshDatabase, type TestDatabase } from '../support/database.ts'

let database: TestDatabase
beforeAll(async () => {
  database = await freshDatabase()
})
afterAll(() => database.drop())

describe('health and readiness', () => {
  test('/health is ok and /ready is 503 until migrations have run, then 200', async () => {
    let ready = false
    const app = appOn(database.handle, { isReady: () => ready })
    expect(await (await app.request('/health')).json()).toEqual({ status: 'ok' })
    const notReady = await app.request('/ready')
    expect(notReady.status).toBe(503)
    expect((await notReady.json()).error).toBeString()
    expect((await app.request('/views/x', { method: 'POST' })).status).toBe(503)

    const readiness = keepMigrating(database.handle, quietLog)
    while (!readiness.isReady()) await Bun.sleep(20)
    ready = true
    expect((await app.request('/ready')).status).toBe(200)
    expect((await app.request('/views/x', { method: 'POST' })).status).toBe(200)
  })

  test('HEAD /health answers like GET without a body', async () => {
    const app = appOn(database.handle, { isReady: () => false })
    const response = await app.request('/health', { method: 'HEAD' })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('')
  })
})

describe('a migration that fails on a reachable database', () => {
  test('keeps the service unready and is logged as an error, not as an outage', async () => {
    const broken = await freshDatabase()
    const lines: string[] = []
    try {
      // A table in the way of a migration: the database answers, the migration cannot succeed.
      await broken.handle.db.execute(sql`create table daily_views (unrelated int)`)
      const readiness = keepMigrating(
        broken.handle,
        createLogger('warn', (line) => void lines.push(line)),
        { min: 20, max: 20 },
      )
      // The first attempt fails within milliseconds when the machine is idle, seconds when it is busy.
      for (let waited = 0; lines.length === 0 && waited < 15_000; waited += 50) await Bun.sleep(50)
      await Bun.sleep(100)
      await readiness.stop()
      expect(readiness.isReady()).toBe(false)
      const logged = lines.map((line) => JSON.parse(line) as { level: string; msg: string })
      expect(logged.length).toBeGreaterThan(0)
      expect(logged.every((entry) => entry.level === 'error' && entry.msg === 'migration failed, retrying')).toBe(true)
    } finally {
      await broken.drop()
    }
  }, 30_000)
})
