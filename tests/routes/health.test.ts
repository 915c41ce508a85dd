import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { keepMigrating } from '../../src/db/readiness.ts'
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
