import './require-server.ts'
import { afterAll, beforeEach, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import postgres from 'postgres'
import { databaseRelay } from '../../harness/database-relay.ts'
import { startService } from '../../harness/service.ts'
import { visitorKeys } from '../../src/counting/visitors.ts'
import { type DatabaseHandle, openPostgres } from '../../src/db/client.ts'
import { readCount } from '../../src/db/counts.ts'
import { watchHealth } from '../../src/db/health.ts'
import { rowsOf } from '../../src/db/rows.ts'
import { createLogger } from '../../src/log.ts'
import { appOn, everyView, quietLog, readerViews } from '../support/app.ts'
import { useMigratedDatabase } from '../support/database.ts'
import { breakdownTotals } from '../support/tables.ts'

// Stalls need a second connection holding a lock, or a relay in front of a server: PostgreSQL only.
const database = useMigratedDatabase()

let opened: DatabaseHandle[] = []
/** The pool the service opens, with the service's bounds, on this file's database. */
function pool(
  limits: { poolMax?: number; statementTimeoutMs?: number; acquireTimeoutMs?: number; queueMax?: number } = {},
  url = database.url!,
) {
  const handle = openPostgres({
    url,
    connectTimeoutMs: 1000,
    poolMax: 4,
    statementTimeoutMs: 2000,
    acquireTimeoutMs: 500,
    queueMax: 100,
    ...limits,
  })
  opened.push(handle)
  return handle
}
// Closing a pool waits up to 5 s for what is still in flight on one a test stalled or cut off.
afterAll(async () => {
  await Promise.all(opened.map((handle) => handle.close()))
  opened = []
}, 15_000)
beforeEach(async () => {
  await database.handle.db.execute(
    sql`delete from views; delete from daily_views; delete from recent_visits; delete from daily_breakdowns`,
  )
})

/** Another session holding `lock table views`, as a long migration or a careless operator would. */
async function holdViewsLock() {
  const session = postgres(database.url!, { max: 1, onnotice: () => {} })
  const reserved = await session.reserve()
  await reserved`begin`
  await reserved`lock table views in access exclusive mode`
  return async () => {
    await reserved`commit`
    reserved.release()
    await session.end()
  }
}

/** Another session holding one row of views, as a concurrent writer would. */
async function holdRowLock(slug: string) {
  const session = postgres(database.url!, { max: 1, onnotice: () => {} })
  const reserved = await session.reserve()
  await reserved`begin`
  await reserved`select 1 from views where slug = ${slug} for update`
  return async () => {
    await reserved`commit`
    reserved.release()
    await session.end()
  }
}

const timed = async (request: Response | Promise<Response>) => {
  const started = performance.now()
  const response = await request
  return { status: response.status, ms: performance.now() - started, body: await response.json() }
}

describe('views held up by a locked table', () => {
  test('a view not committed within its deadline is answered 503 and never counted, even once the lock goes', async () => {
    const app = appOn(pool(), { countingOptions: { ...everyView, viewDeadlineMs: 300 } })
    const release = await holdViewsLock()
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => timed(app.request('/views/late/', { method: 'POST' }))),
    )
    await release()
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(503))
    expect(Math.max(...answers.map((answer) => answer.ms))).toBeLessThan(1500)
    await Bun.sleep(300)
    expect(await readCount(database.handle.db, 'late/')).toBe(0)
    expect(await (await app.request('/views/late/', { method: 'POST' })).json()).toEqual({ slug: 'late/', count: 1 })
  })

  test('a view whose client gives up while it waits is not counted; the others in its batch are', async () => {
    const app = appOn(pool(), { countingOptions: { ...everyView, viewDeadlineMs: 2500 } })
    const release = await holdViewsLock()
    const leaving = new AbortController()
    const gone = app.request(
      new Request('http://localhost/views/patience/', { method: 'POST', signal: leaving.signal }),
    )
    const staying = Array.from({ length: 3 }, () => app.request('/views/patience/', { method: 'POST' }))
    await Bun.sleep(200)
    leaving.abort()
    expect((await gone).status).toBe(503)
    await Bun.sleep(200)
    await release()
    expect((await Promise.all(staying)).map((response) => response.status)).toEqual([200, 200, 200])
    expect(await readCount(database.handle.db, 'patience/')).toBe(3)
  })

  test('views beyond the queue bound are refused at once', async () => {
    const app = appOn(pool(), { countingOptions: { ...everyView, viewDeadlineMs: 2000, viewQueueMax: 5 } })
    const release = await holdViewsLock()
    try {
      const answers = Array.from({ length: 30 }, () => timed(app.request('/views/crowd/', { method: 'POST' })))
      const early = await Promise.race([Promise.all(answers.slice(10)), Bun.sleep(1000).then(() => [])])
      expect(early.length).toBe(20)
      expect(early.every((answer) => answer.status === 503 && answer.body.error === 'database unavailable')).toBe(true)
      await Promise.all(answers)
    } finally {
      await release()
    }
  })

  test('reads waiting for a connection give up after the acquire timeout, running ones at the statement timeout', async () => {
    const app = appOn(pool({ poolMax: 1, acquireTimeoutMs: 200, statementTimeoutMs: 600 }), { readCacheMs: 0 })
    const release = await holdViewsLock()
    try {
      const running = timed(app.request('/views/a/'))
      await Bun.sleep(50)
      const waiting = await timed(app.request('/views/b/'))
      expect(waiting.status).toBe(503)
      expect(waiting.ms).toBeLessThan(550)
      const ran = await running
      expect(ran.status).toBe(503)
      expect(ran.ms).toBeLessThan(1500)
    } finally {
      await release()
    }
  })

  test('/ready and /metrics answer at once while every connection is stuck', async () => {
    const handle = pool({ poolMax: 1 })
    const health = watchHealth(handle, quietLog, { stallMs: 300 })
    const app = appOn(handle, { isReady: health.isHealthy, readCacheMs: 0 })
    const release = await holdViewsLock()
    try {
      const stuck = app.request('/views/a/')
      await Bun.sleep(100)
      for (const path of ['/ready', '/metrics']) {
        const answer = await Promise.race([
          Promise.resolve(app.request(path)).then((response) => response.status),
          Bun.sleep(300).then(() => 'hung'),
        ])
        expect(['200', '503']).toContain(String(answer))
      }
      await stuck
    } finally {
      health.stop()
      await release()
    }
  })

  test('/ready turns 503 once a query stalls and back to 200 by itself when the lock goes', async () => {
    const handle = pool()
    const health = watchHealth(handle, quietLog, { stallMs: 300 })
    const app = appOn(handle, { isReady: health.isHealthy })
    const waitFor = async (status: number, withinMs: number) => {
      const deadline = performance.now() + withinMs
      while ((await app.request('/ready')).status !== status) {
        if (performance.now() > deadline) throw new Error(`/ready never answered ${status}`)
        await Bun.sleep(20)
      }
      return performance.now()
    }
    const release = await holdViewsLock()
    const started = performance.now()
    const stuck = app.request('/views/x/', { method: 'POST' })
    try {
      expect((await waitFor(503, 2000)) - started).toBeLessThan(2000)
      // Unhealthy: the database routes answer at once, without queueing behind the lock.
      expect((await timed(app.request('/views/x/'))).ms).toBeLessThan(100)
    } finally {
      await release()
    }
    await stuck
    await waitFor(200, 3000)
    health.stop()
  })
})

/** Polls until `read` gives `expected` or `withinMs` passes; returns the last value read. */
async function eventually<T>(read: () => Promise<T>, expected: T, withinMs: number) {
  const deadline = performance.now() + withinMs
  let value = await read()
  while (value !== expected && performance.now() < deadline) {
    await Bun.sleep(50)
    value = await read()
  }
  return value
}

describe('a commit whose reply is held past the deadline', () => {
  const dailyTotal = async (slug: string) => {
    const [row] = rowsOf<{ n: number }>(
      await database.handle.db.execute(
        sql`select coalesce(sum(count), 0)::int as n from daily_views where slug = ${slug}`,
      ),
    )
    return row!.n
  }

  test('a view answered 503 whose commit reached the database is taken back once its reply arrives', async () => {
    const relay = databaseRelay(database.url!)
    relay.start()
    const app = appOn(pool({}, relay.url), { countingOptions: { ...everyView, viewDeadlineMs: 300 } })
    try {
      expect(await (await app.request('/views/held/', { method: 'POST' })).json()).toEqual({ slug: 'held/', count: 1 })
      relay.holdReplies()
      const answer = await timed(app.request('/views/held/', { method: 'POST' }))
      expect(answer.status).toBe(503)
      expect(answer.ms).toBeLessThan(1500)
      // The statement reached the server and committed; only its reply is held.
      expect(await eventually(() => readCount(database.handle.db, 'held/'), 2, 3000)).toBe(2)
      relay.resume()
      expect(await eventually(() => readCount(database.handle.db, 'held/'), 1, 5000)).toBe(1)
      expect(await dailyTotal('held/')).toBe(1)
      expect(await (await app.request('/views/held/', { method: 'POST' })).json()).toEqual({ slug: 'held/', count: 2 })
    } finally {
      relay.stop()
    }
  }, 15_000)

  test('a view whose client leaves while its statement runs, too late to cancel it, is taken back; the rest of its batch is answered without it', async () => {
    const relay = databaseRelay(database.url!)
    relay.start()
    const app = appOn(pool({}, relay.url), { countingOptions: { ...everyView, viewDeadlineMs: 5000 } })
    const post = (slug: string, signal?: AbortSignal) =>
      app.request(new Request(`http://localhost/views/${slug}`, { method: 'POST', signal }))
    try {
      for (const slug of ['busy/', 'left/']) expect((await post(slug)).status).toBe(200)
      // Two batches wait on one row, so the next two views form one batch, which waits on another.
      const releaseBusy = await holdRowLock('busy/')
      const releaseLeft = await holdRowLock('left/')
      const busy = [post('busy/'), post('busy/')]
      await Bun.sleep(200)
      const leaving = new AbortController()
      const gone = post('left/', leaving.signal)
      const staying = post('left/')
      await Bun.sleep(100)
      await releaseBusy()
      await Promise.all(busy)
      await Bun.sleep(200)
      // The cancel request the leaving client causes is held; the statement commits once the row is free.
      relay.holdRequests()
      leaving.abort()
      await releaseLeft()
      expect((await gone).status).toBe(503)
      expect(await (await staying).json()).toEqual({ slug: 'left/', count: 2 })
      relay.resume()
      expect(await eventually(() => readCount(database.handle.db, 'left/'), 2, 5000)).toBe(2)
      expect(await dailyTotal('left/')).toBe(2)
    } finally {
      relay.stop()
    }
  }, 15_000)

  test('readers: a view answered 503 but committed is forgotten, breakdowns and all, so the reader counts when they come back', async () => {
    const relay = databaseRelay(database.url!)
    relay.start()
    const app = appOn(pool({}, relay.url), {
      countingOptions: {
        ...readerViews,
        viewDeadlineMs: 300,
      },
    })
    const view = (reader: string) =>
      app.request('/views/posts/held/?ref=lobste.rs', {
        method: 'POST',
        headers: { 'User-Agent': 'Mozilla/5.0 Firefox/140.0', 'X-Forwarded-For': reader },
      })
    const referrers = async () => (await breakdownTotals(database.handle.db)).referrer
    try {
      expect((await (await view('192.0.2.1')).json()).counted).toBe(true)
      relay.holdReplies()
      expect((await view('192.0.2.2')).status).toBe(503)
      expect(await eventually(() => readCount(database.handle.db, 'posts/held/'), 2, 3000)).toBe(2)
      relay.resume()
      expect(await eventually(() => readCount(database.handle.db, 'posts/held/'), 1, 5000)).toBe(1)
      expect(await dailyTotal('posts/held/')).toBe(1)
      expect(await referrers()).toEqual({ Lobsters: 1 })
      expect(await (await view('192.0.2.2')).json()).toEqual({ slug: 'posts/held/', count: 2, counted: true })
      expect(await referrers()).toEqual({ Lobsters: 2 })
    } finally {
      relay.stop()
    }
  }, 15_000)
})

describe('logs during an outage', () => {
  test('say the error class, code and cause, never the statement or a visitor key', async () => {
    const relay = databaseRelay(database.url!)
    relay.start()
    const handle = pool({}, relay.url)
    const lines: string[] = []
    const secret = 'a-secret-that-is-long-enough-for-hashing-0'
    const now = new Date('2026-11-30T12:00:00Z')
    const app = appOn(handle, {
      log: createLogger('debug', (line) => void lines.push(line)),
      countingOptions: {
        ...readerViews,
        visitorHashSecret: secret,
        clock: () => now,
      },
    })
    const view = () =>
      app.request('/views/posts/private/', {
        method: 'POST',
        headers: { 'User-Agent': 'Mozilla/5.0 Firefox/140.0', 'X-Forwarded-For': '198.51.100.7' },
      })
    try {
      expect((await view()).status).toBe(200)
      relay.stop()
      expect((await view()).status).toBe(503)
    } finally {
      relay.stop()
    }
    const keys = visitorKeys(secret).of(now, '198.51.100.7', 'Mozilla/5.0 Firefox/140.0', 'posts/private/')
    const log = lines.join('\n')
    expect(log).toMatch(/"code":"(CONNECTION_[A-Z]+|ECONNREFUSED|ECONNRESET)"/)
    for (const secretish of [keys.current, keys.previous, 'insert into', 'params']) expect(log).not.toContain(secretish)
  })
})

describe('the running service when its database is black-holed', () => {
  test('every POST is answered within 2 s, /ready turns 503, and no view answered with an error is counted once it heals', async () => {
    const relay = databaseRelay(database.url!)
    relay.start()
    const service = await startService({ env: { DATABASE_URL: relay.url } })
    let acknowledged = 0
    let slowest = 0
    let running = true
    const worker = async () => {
      while (running) {
        const started = performance.now()
        const response = await fetch(`${service.url}/views/hole/`, {
          method: 'POST',
          signal: AbortSignal.timeout(5000),
        }).catch(() => undefined)
        slowest = Math.max(slowest, performance.now() - started)
        if (response?.status === 200) acknowledged++
        else if (response?.status !== 503) throw new Error(`unexpected answer ${response?.status}`)
      }
    }
    try {
      const workers = Array.from({ length: 8 }, worker)
      await Bun.sleep(300)
      relay.blackHole()
      const holed = performance.now()
      let readyAfter: number | undefined
      while (performance.now() - holed < 3000) {
        if (readyAfter === undefined && (await fetch(`${service.url}/ready`)).status === 503)
          readyAfter = performance.now() - holed
        await Bun.sleep(50)
      }
      expect((await fetch(`${service.url}/metrics`, { signal: AbortSignal.timeout(1000) })).status).toBe(200)
      relay.resume()
      await Bun.sleep(1500)
      running = false
      await Promise.all(workers)
      expect(readyAfter).toBeLessThan(2000)
      expect(slowest).toBeLessThan(2000)
      expect(acknowledged).toBeGreaterThan(0)
      await Bun.sleep(500)
      // The one window left: a batch committed just before the black hole, whose answer was held
      // past its deadline. Each of the 8 clients has at most one view in flight, so at most 8.
      const stored = await readCount(database.handle.db, 'hole/')
      expect(stored).toBeGreaterThanOrEqual(acknowledged)
      expect(stored - acknowledged).toBeLessThanOrEqual(8)
    } finally {
      running = false
      expect(await service.stop()).toBe(0)
      relay.stop()
    }
  }, 30_000)
})
