import { beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { views } from '../../src/db/schema.ts'
import { appOn } from '../support/app.ts'
import { useMigratedDatabase } from '../support/database.ts'

const database = useMigratedDatabase()
let app: ReturnType<typeof appOn>

beforeAll(() => {
  // beforeEach empties the table behind the app's back, as another replica would: no read cache here.
  app = appOn(database.handle, { readCacheMs: 0 })
})
beforeEach(async () => {
  await database.handle.db.delete(views)
})

const post = (path: string) => app.request(path, { method: 'POST' })
const storedSlugs = async () => (await database.handle.db.select({ slug: views.slug }).from(views)).map((r) => r.slug)

describe('POST /views/{slug}', () => {
  test('the first view of a slug counts 1 and the next one 2', async () => {
    const first = await post('/views/posts/my-post/')
    expect(first.status).toBe(200)
    expect(await first.json()).toEqual({ slug: 'posts/my-post/', count: 1 })
    expect(await (await post('/views/posts/my-post/')).json()).toEqual({ slug: 'posts/my-post/', count: 2 })
  })

  test('a slug spans segments and keeps its trailing slash, distinct from the one without', async () => {
    await post('/views/posts/a/b/')
    await post('/views/posts/a/b')
    expect((await storedSlugs()).sort()).toEqual(['posts/a/b', 'posts/a/b/'])
  })

  test('a percent-encoded Greek slug is stored decoded as UTF-8', async () => {
    const response = await post('/views/posts/%CE%B3%CE%B5%CE%B9%CE%B1/')
    expect(await response.json()).toEqual({ slug: 'posts/γεια/', count: 1 })
    expect(await storedSlugs()).toEqual(['posts/γεια/'])
  })

  test('an encoded slash and an encoded percent sign are decoded exactly once', async () => {
    expect((await (await post('/views/a%2Fb%2525')).json()).slug).toBe('a/b%25')
  })

  test('count is a JSON number even past 2^32', async () => {
    await database.handle.db.insert(views).values({ slug: 'big', count: 5_000_000_000 })
    const body = await (await post('/views/big')).text()
    expect(body).toBe('{"slug":"big","count":5000000001}')
  })

  test('a POST with a body is refused with 413 and counts nothing; an empty one counts', async () => {
    // As they arrive from the wire (tests/http.test.ts sends the real bytes to the real server).
    for (const headers of [{ 'Content-Length': '1' }, { 'Transfer-Encoding': 'chunked' }] as Record<string, string>[]) {
      const response = await app.request('/views/b/', { method: 'POST', headers, body: 'x' })
      expect(response.status).toBe(413)
      expect(await response.json()).toEqual({ error: 'a view takes no request body' })
    }
    expect(await storedSlugs()).toEqual([])
    expect((await app.request('/views/b/', { method: 'POST', headers: { 'Content-Length': '0' } })).status).toBe(200)
  })

  test('last_seen moves forward on every view', async () => {
    await database.handle.db.insert(views).values({ slug: 'old', count: 1, lastSeen: new Date('2020-01-01T00:00:00Z') })
    await post('/views/old')
    const [row] = await database.handle.db.select().from(views).where(sql`${views.slug} = 'old'`)
    expect(row!.lastSeen.getTime()).toBeGreaterThan(Date.parse('2025-01-01'))
  })
})

describe('bad slugs are refused with a 400 JSON error and store nothing', () => {
  const cases: [string, string][] = [
    ['empty', '/views/'],
    ['over 512 bytes', `/views/${'a'.repeat(513)}`],
    ['over 512 bytes once decoded as UTF-8', `/views/${'%CE%B3'.repeat(257)}`],
    ['with a NUL', '/views/a%00b'],
    ['with a control character', '/views/a%0Ab'],
    ['with malformed percent-encoding', '/views/a%ZZb'],
    ['with a truncated escape', '/views/a%E'],
    ['with invalid UTF-8', '/views/%C3%28'],
    ['with an encoded dot-dot segment', '/views/posts%2F..%2Fsecret'],
    ['with an encoded single-dot segment', '/views/posts%2F.%2Fx'],
    ['with U+FFFD, all that is left of raw bytes that are not UTF-8', '/views/a%EF%BF%BDb'],
  ]
  for (const [name, path] of cases) {
    test(`a slug ${name}`, async () => {
      const response = await post(path)
      expect(response.status).toBe(400)
      expect(response.headers.get('content-type')).toContain('application/json')
      expect(typeof (await response.json()).error).toBe('string')
      expect(await storedSlugs()).toEqual([])
    })
  }

  test('a slug of exactly 512 bytes is accepted', async () => {
    expect((await post(`/views/${'a'.repeat(512)}`)).status).toBe(200)
  })
})

describe('GET /views/{slug}', () => {
  test('a slug never seen reads 0 and is not created', async () => {
    expect(await (await app.request('/views/never/seen/')).json()).toEqual({ slug: 'never/seen/', count: 0 })
    expect(await storedSlugs()).toEqual([])
  })

  test('GET and HEAD never increment', async () => {
    await post('/views/p/')
    for (let i = 0; i < 3; i++) {
      expect((await app.request('/views/p/')).status).toBe(200)
      expect((await app.request('/views/p/', { method: 'HEAD' })).status).toBe(200)
    }
    expect(await (await app.request('/views/p/')).json()).toEqual({ slug: 'p/', count: 1 })
  })

  test('a bad slug is a 400 on reads too', async () => {
    expect((await app.request('/views/a%ZZ')).status).toBe(400)
  })
})

describe('GET /views', () => {
  test('lists every slug ranked by count, ties broken by slug', async () => {
    for (const [slug, n] of [
      ['b', 2],
      ['a', 2],
      ['c', 5],
      ['d', 1],
    ] as const) {
      for (let i = 0; i < n; i++) await post(`/views/${slug}`)
    }
    expect(await (await app.request('/views')).json()).toEqual([
      { slug: 'c', count: 5 },
      { slug: 'a', count: 2 },
      { slug: 'b', count: 2 },
      { slug: 'd', count: 1 },
    ])
  })

  test('an empty table is an empty list', async () => {
    expect(await (await app.request('/views')).json()).toEqual([])
  })

  test('?slugs= reads a batch in the requested order, unknown slugs as 0', async () => {
    await post('/views/posts/a/')
    await post('/views/posts/%CE%B3/')
    const response = await app.request(
      `/views?slugs=${['posts/γ/', 'none', 'posts/a/'].map(encodeURIComponent).join(',')}`,
    )
    expect(await response.json()).toEqual([
      { slug: 'posts/γ/', count: 1 },
      { slug: 'none', count: 0 },
      { slug: 'posts/a/', count: 1 },
    ])
  })

  test('?slugs= keeps an encoded comma inside a slug', async () => {
    await post('/views/a%2Cb')
    expect(await (await app.request('/views?slugs=a%2Cb,a')).json()).toEqual([
      { slug: 'a,b', count: 1 },
      { slug: 'a', count: 0 },
    ])
  })

  test('?slugs= refuses more than 100 slugs and bad slugs', async () => {
    const many = Array.from({ length: 101 }, (_, i) => `s${i}`).join(',')
    expect((await app.request(`/views?slugs=${many}`)).status).toBe(400)
    expect((await app.request('/views?slugs=a,,b')).status).toBe(400)
    expect((await app.request('/views?slugs=a%ZZ')).status).toBe(400)
  })
})

describe('unknown routes and methods', () => {
  test('an unknown path is a 404 JSON error', async () => {
    const response = await app.request('/nope')
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ error: 'not found' })
  })

  test('a wrong method is a 405 JSON error naming the allowed ones', async () => {
    for (const [method, path] of [
      ['DELETE', '/views/x'],
      ['PUT', '/views/x'],
      ['POST', '/views'],
      ['POST', '/health'],
    ]) {
      const response = await app.request(path!, { method })
      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBeTruthy()
      expect((await response.json()).error).toBe('method not allowed')
    }
    expect(await storedSlugs()).toEqual([])
  })

  test('Allow names the methods the routes register, and a wrong method is a 405 even while the database is down', async () => {
    const down = appOn(database.handle, { isReady: () => false })
    for (const [path, allow] of [
      ['/views/x', 'GET, HEAD, POST'],
      ['/views', 'GET, HEAD'],
      ['/summary', 'GET, HEAD'],
      ['/ready', 'GET, HEAD'],
    ]) {
      const response = await down.request(path!, { method: 'PUT' })
      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBe(allow!)
    }
  })
})
