import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startService } from '../harness/service.ts'
import { type Database, openEmbedded } from '../src/db/client.ts'
import { readCount } from '../src/db/counts.ts'
import { backend, createServerDatabase } from './support/database.ts'
import { post } from './support/service.ts'
import { breakdownTotals } from './support/tables.ts'

// The service under test runs as a separate process, configured like production: either on its
// own fresh PostgreSQL database or on a fresh embedded data directory.
let serviceEnv: Record<string, string>
let inDatabase: <T>(read: (db: Database) => Promise<T>) => Promise<T>
const countIn = (slug: string) => inDatabase((db) => readCount(db, slug))
let cleanup: () => Promise<void>

beforeAll(async () => {
  if (backend === 'postgres') {
    const created = await createServerDatabase()
    const { openPostgres } = await import('../src/db/client.ts')
    const reader = openPostgres({ url: created.url, poolMax: 2, connectTimeoutMs: 1000 })
    serviceEnv = { DATABASE_URL: created.url }
    inDatabase = (read) => read(reader.db)
    cleanup = async () => {
      await reader.close()
      await created.drop()
    }
  } else {
    const dataDir = mkdtempSync(join(tmpdir(), 'vc-test-'))
    serviceEnv = { DATA_DIR: dataDir }
    // The embedded data directory can be opened by one process at a time: read it after the service stopped.
    inDatabase = async (read) => {
      const handle = await openEmbedded(dataDir)
      try {
        return await read(handle.db)
      } finally {
        await handle.close()
      }
    }
    cleanup = async () => rmSync(dataDir, { recursive: true, force: true })
  }
})
afterAll(() => cleanup())

// `connections` clients POSTing back to back until the service goes away or stop() is called,
// counting the views the service acknowledged.
function postBurst(url: string, connections = 32) {
  let acknowledged = 0
  let running = true
  const worker = async () => {
    while (running) {
      const response = await post(url).catch(() => undefined)
      if (!response) return
      if (response.status === 200) acknowledged++
    }
  }
  const workers = Array.from({ length: connections }, worker)
  return {
    async stop() {
      running = false
      await Promise.all(workers)
      return acknowledged
    },
  }
}

describe('the running service', () => {
  test('500 concurrent POSTs to one slug are counted exactly, each answered with a distinct count', async () => {
    const service = await startService({ env: serviceEnv })
    try {
      const responses = await Promise.all(Array.from({ length: 500 }, () => post(`${service.url}/views/hot/`)))
      expect(responses.every((r) => r.status === 200)).toBe(true)
      const counts = await Promise.all(responses.map(async (r) => ((await r.json()) as { count: number }).count))
      expect(new Set(counts).size).toBe(500)
      expect(Math.max(...counts)).toBe(500)
      expect(await (await fetch(`${service.url}/views/hot/`)).json()).toEqual({ slug: 'hot/', count: 500 })
    } finally {
      expect(await service.stop()).toBe(0)
    }
    // A first start on a new embedded DATA_DIR creates the database in a process of its own: ~15 s idle, more when busy.
  }, 90_000)

  test('SIGTERM under load loses no acknowledged view: stored count equals the 2xx responses', async () => {
    const service = await startService({ env: serviceEnv })
    const burst = postBurst(`${service.url}/views/shutdown/`)
    await Bun.sleep(500)
    const stoppedAt = performance.now()
    const exitCode = await service.stop('SIGTERM')
    const shutdownMs = performance.now() - stoppedAt
    const acknowledged = await burst.stop()

    expect(exitCode).toBe(0)
    expect(shutdownMs).toBeLessThan(5000)
    expect(acknowledged).toBeGreaterThan(0)
    expect(await countIn('shutdown/')).toBe(acknowledged)
    expect(service.output()).not.toContain('"level":"error"')
  }, 90_000)
})

describe('the running service when it crashes', () => {
  test('SIGKILL mid-burst: every acknowledged view is stored; at most the unanswered ones in flight are extra', async () => {
    const service = await startService({ env: serviceEnv })
    const burst = postBurst(`${service.url}/views/crash/`)
    await Bun.sleep(500)
    await service.stop('SIGKILL')
    const acknowledged = await burst.stop()
    const stored = await countIn('crash/')
    expect(acknowledged).toBeGreaterThan(0)
    // A commit can land just before the kill and its answer never leave: those are the only extras.
    expect(stored).toBeGreaterThanOrEqual(acknowledged)
    expect(stored - acknowledged).toBeLessThanOrEqual(32)
  }, 90_000)
})

describe('the running service counting readers', () => {
  test('tells readers apart by the socket address, ignoring forwarding headers no proxy was trusted for', async () => {
    const service = await startService({ env: { ...serviceEnv, COUNT_MODE: 'readers' } })
    // curl can choose its source address on loopback: two machines, as far as the service can tell.
    const view = async (from: string, forwardedFor: string) => {
      const curl = Bun.spawn(
        [
          'curl',
          '-s',
          '--interface',
          from,
          '-X',
          'POST',
          '-A',
          'Mozilla/5.0 Firefox/140.0',
          '-H',
          `X-Forwarded-For: ${forwardedFor}`,
          `${service.url}/views/posts/peer/`,
        ],
        { stdout: 'pipe' },
      )
      return JSON.parse(await new Response(curl.stdout).text()) as { count: number; counted: boolean }
    }
    try {
      expect(await view('127.0.0.1', '198.51.100.1')).toEqual({ slug: 'posts/peer/', count: 1, counted: true } as never)
      expect(await view('127.0.0.1', '198.51.100.2')).toMatchObject({ count: 1, counted: false })
      expect(await view('127.0.0.2', '198.51.100.1')).toMatchObject({ count: 2, counted: true })
    } finally {
      expect(await service.stop()).toBe(0)
    }
  }, 30_000)
})

describe('the running service adding breakdowns', () => {
  test("configured by its environment: the country header it names, referrers other than the site's own", async () => {
    const service = await startService({
      env: {
        ...serviceEnv,
        COUNT_MODE: 'readers',
        CLIENT_IP_HEADER: 'x-forwarded-for',
        COUNTRY_HEADER: 'CF-IPCountry',
        SITE_URL: 'https://blog.example/',
      },
    })
    const view = (reader: string, query: string) =>
      fetch(`${service.url}/views/posts/env/?${query}`, {
        method: 'POST',
        headers: { 'User-Agent': 'Mozilla/5.0 Firefox/140.0', 'X-Forwarded-For': reader, 'CF-IPCountry': 'GR' },
      })
    try {
      expect((await view('198.51.100.1', 'ref=lobste.rs&screen=m')).status).toBe(200)
      expect((await view('198.51.100.2', 'ref=https%3A%2F%2Fwww.blog.example%2Fposts%2F')).status).toBe(200)
    } finally {
      expect(await service.stop()).toBe(0)
    }
    const totals = await inDatabase(breakdownTotals)
    expect([totals.referrer, totals.country, totals.screen]).toEqual([{ Lobsters: 1 }, { GR: 2 }, { m: 1 }])
  }, 90_000)
})
