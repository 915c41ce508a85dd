import { beforeEach, describe, expect, test } from 'bun:test'
import { views } from '../../src/db/schema.ts'
import { readCache } from '../../src/http/read-cache.ts'
import { appOn } from '../support/app.ts'
import { useMigratedDatabase } from '../support/database.ts'

const database = useMigratedDatabase()
beforeEach(async () => {
  await database.handle.db.delete(views)
})

// Counts the database round trips a request costs, by wrapping the app's own query builder.
function countingSelects(app: ReturnType<typeof appOn>) {
  let selects = 0
  const db = database.handle.db
  const original = db.select.bind(db)
  db.select = ((...args: Parameters<typeof original>) => {
    selects++
    return original(...args)
  }) as typeof db.select
  return {
    app,
    selects: () => selects,
    restore: () => {
      db.select = original
    },
  }
}

describe('cached reads', () => {
  test('a burst of GET /views costs one query, all answers identical', async () => {
    const probe = countingSelects(appOn(database.handle, { readCacheMs: 60_000 }))
    try {
      await database.handle.db.insert(views).values([
        { slug: 'a', count: 2 },
        { slug: 'b', count: 1 },
      ])
      const bodies = await Promise.all(
        Array.from({ length: 50 }, async () => (await probe.app.request('/views')).text()),
      )
      expect(new Set(bodies).size).toBe(1)
      expect(JSON.parse(bodies[0]!)).toEqual([
        { slug: 'a', count: 2 },
        { slug: 'b', count: 1 },
      ])
      expect(probe.selects()).toBe(1)
    } finally {
      probe.restore()
    }
  })

  test('many distinct batch reads keep the cache within its byte bound, dropping the least recently used', async () => {
    const maxBytes = 64 * 1024
    const reads = readCache(60_000, maxBytes)
    const probe = countingSelects(appOn(database.handle, { reads }))
    try {
      const hot = '/views?slugs=hot%2F'
      // 100 slugs of about 50 characters: some 12 KB of key and body per batch, 1.2 MB in all.
      const batch = (n: number) =>
        `/views?slugs=${Array.from({ length: 100 }, (_, i) => encodeURIComponent(`posts/${n}-${i}-${'x'.repeat(40)}/`)).join(',')}`
      for (let n = 0; n < 100; n++) {
        expect((await probe.app.request(batch(n))).status).toBe(200)
        expect((await probe.app.request(hot)).status).toBe(200)
        expect(reads.size().bytes).toBeLessThanOrEqual(maxBytes)
      }
      expect(reads.size().bytes).toBeGreaterThan(maxBytes / 2)
      // Each batch cost its one query; the hot read, used between them, was never dropped.
      expect(probe.selects()).toBe(100 + 1)
      // The first batch was dropped long ago, so reading it again is a query; the last one is still held.
      await probe.app.request(batch(0))
      await probe.app.request(batch(99))
      expect(probe.selects()).toBe(100 + 1 + 1)
    } finally {
      probe.restore()
    }
  })

  test('a view counted through this process shows at once in every read', async () => {
    const app = appOn(database.handle, { readCacheMs: 60_000 })
    expect(await (await app.request('/views')).json()).toEqual([])
    expect(await (await app.request('/views/p/')).json()).toEqual({ slug: 'p/', count: 0 })
    expect(await (await app.request('/views?slugs=p%2F')).json()).toEqual([{ slug: 'p/', count: 0 }])
    await app.request('/views/p/', { method: 'POST' })
    expect(await (await app.request('/views')).json()).toEqual([{ slug: 'p/', count: 1 }])
    expect(await (await app.request('/views/p/')).json()).toEqual({ slug: 'p/', count: 1 })
    expect(await (await app.request('/views?slugs=p%2F')).json()).toEqual([{ slug: 'p/', count: 1 }])
  })

  test('a write by someone else (another replica) shows once the cache time has passed', async () => {
    const app = appOn(database.handle, { readCacheMs: 50 })
    expect(await (await app.request('/views')).json()).toEqual([])
    await database.handle.db.insert(views).values({ slug: 'elsewhere', count: 9 })
    await Bun.sleep(60)
    expect(await (await app.request('/views')).json()).toEqual([{ slug: 'elsewhere', count: 9 }])
  })

  test('reads carry an ETag and a short public Cache-Control; a matching If-None-Match gets 304 without a body', async () => {
    const app = appOn(database.handle)
    await app.request('/views/e/', { method: 'POST' })
    for (const path of ['/views', '/views/e/', '/views?slugs=e%2F']) {
      const first = await app.request(path)
      const etag = first.headers.get('etag')
      expect(etag).toMatch(/^W\/"[0-9a-z]+"$/)
      expect(first.headers.get('cache-control')).toBe('public, max-age=2')
      const again = await app.request(path, { headers: { 'If-None-Match': etag! } })
      expect(again.status).toBe(304)
      expect(await again.text()).toBe('')
    }
    const before = (await app.request('/views/e/')).headers.get('etag')
    await app.request('/views/e/', { method: 'POST' })
    expect((await app.request('/views/e/')).headers.get('etag')).not.toBe(before)
  })

  test('If-None-Match is compared weakly, as RFC 9110 says and as the badge does: "*", lists, with or without W/', async () => {
    const app = appOn(database.handle)
    await app.request('/views/w/', { method: 'POST' })
    for (const path of ['/views', '/views/w/', '/views?slugs=w%2F', '/badge/w/']) {
      const etag = (await app.request(path)).headers.get('etag')!
      const opaque = etag.replace(/^W\//, '')
      const status = async (ifNoneMatch: string) =>
        (await app.request(path, { headers: { 'If-None-Match': ifNoneMatch } })).status
      expect(await status('*')).toBe(304)
      expect(await status(`"stale", ${etag}`)).toBe(304)
      expect(await status(opaque)).toBe(304)
      expect(await status(`W/${opaque}`)).toBe(304)
      expect(await status('"stale"')).toBe(200)
      expect(await status(`W/"x${opaque.slice(1)}`)).toBe(200)
    }
  })

  test('a 304 keeps what a browser page needs: ETag, Cache-Control and the CORS header', async () => {
    const app = appOn(database.handle)
    const headers = { Origin: 'https://uclab.dev' }
    const etag = (await app.request('/views/c/', { headers })).headers.get('etag')!
    const again = await app.request('/views/c/', { headers: { ...headers, 'If-None-Match': etag } })
    expect(again.status).toBe(304)
    expect(again.headers.get('etag')).toBe(etag)
    expect(again.headers.get('cache-control')).toBe('public, max-age=2')
    expect(again.headers.get('access-control-allow-origin')).toBe('https://uclab.dev')
  })
})
