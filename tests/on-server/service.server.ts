import './require-server.ts'
import { describe, expect, test } from 'bun:test'
import { databaseRelay } from '../../harness/database-relay.ts'
import { startService } from '../../harness/service.ts'
import { createServerDatabase } from '../support/database.ts'
import { post } from '../support/service.ts'

// The service as a separate process, started while its database is out of reach and left to find it by itself.
describe('the running service when its database is away', () => {
  test('starts without a database, answers 503 fast, then recovers by itself and migrates', async () => {
    const created = await createServerDatabase()
    const relay = databaseRelay(created.url)
    const service = await startService({ env: { DATABASE_URL: relay.url }, waitFor: '/health' })
    try {
      expect(await (await fetch(`${service.url}/health`)).json()).toEqual({ status: 'ok' })
      expect((await fetch(`${service.url}/ready`)).status).toBe(503)
      for (const request of [
        () => post(`${service.url}/views/down/`),
        () => fetch(`${service.url}/views/down/`),
        () => fetch(`${service.url}/views`),
      ]) {
        const started = performance.now()
        const response = await request()
        expect(response.status).toBe(503)
        expect(await response.json()).toEqual({ error: 'database unavailable' })
        expect(performance.now() - started).toBeLessThan(1500)
      }

      relay.start()
      const deadline = Date.now() + 10_000
      while ((await fetch(`${service.url}/ready`)).status !== 200) {
        if (Date.now() > deadline) throw new Error(`never became ready:\n${service.output()}`)
        await Bun.sleep(100)
      }
      expect(await (await post(`${service.url}/views/down/`)).json()).toEqual({ slug: 'down/', count: 1 })

      relay.stop()
      const started = performance.now()
      const during = await post(`${service.url}/views/down/`)
      expect(during.status).toBe(503)
      expect(performance.now() - started).toBeLessThan(1500)
      expect((await fetch(`${service.url}/ready`)).status).toBe(503)

      relay.start()
      let after = await post(`${service.url}/views/down/`)
      for (let i = 0; i < 20 && after.status !== 200; i++) {
        await Bun.sleep(100)
        after = await post(`${service.url}/views/down/`)
      }
      expect(await after.json()).toEqual({ slug: 'down/', count: 2 })
    } finally {
      expect(await service.stop()).toBe(0)
      relay.stop()
      await created.drop()
    }
  }, 30_000)
})
