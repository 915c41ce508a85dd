import { beforeEach, describe, expect, test } from 'bun:test'
import { views } from '../../src/db/schema.ts'
import { textWidth } from '../../src/render/badge.tsx'
import { appOn, everyView } from '../support/app.ts'
import { useMigratedDatabase } from '../support/database.ts'

const database = useMigratedDatabase()
beforeEach(async () => {
  await database.handle.db.delete(views)
})

const app = (isReady = () => true) => appOn(database.handle, { readCacheMs: 0, isReady })
const stored = async () =>
  Object.fromEntries((await database.handle.db.select().from(views)).map((row) => [row.slug, row.count]))
const texts = (svg: string) => [...svg.matchAll(/<text x="[^"]+" y="14"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1])

describe('GET /badge/{slug}', () => {
  test('is an SVG "views | 1,234", cacheable for five minutes, with an ETag', async () => {
    await database.handle.db.insert(views).values({ slug: 'posts/a/', count: 1234 })
    const response = await app().request('/badge/posts/a/')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('public, max-age=300')
    expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]+"$/)
    const svg = await response.text()
    expect(svg).toStartWith('<svg xmlns="http://www.w3.org/2000/svg"')
    expect(texts(svg)).toEqual(['views', '1,234'])
    expect(svg).toContain('<title>views: 1,234</title>')
    expect(svg).toContain('aria-label="views: 1,234"')
  })

  test('answers 304 to a matching If-None-Match, keeping Cache-Control', async () => {
    await database.handle.db.insert(views).values({ slug: 'posts/a/', count: 7 })
    const etag = (await app().request('/badge/posts/a/')).headers.get('etag')!
    const again = await app().request('/badge/posts/a/', { headers: { 'If-None-Match': etag } })
    expect(again.status).toBe(304)
    expect(again.headers.get('cache-control')).toBe('public, max-age=300')
    await database.handle.db.update(views).set({ count: 8 })
    expect((await app().request('/badge/posts/a/', { headers: { 'If-None-Match': etag } })).status).toBe(200)
  })

  test('a slug never seen shows 0', async () => {
    expect(texts(await (await app().request('/badge/posts/new/')).text())).toEqual(['views', '0'])
  })

  test('reads the slug exactly as GET /views/{slug} does, normalised when counting readers', async () => {
    await database.handle.db.insert(views).values([
      { slug: 'posts/γεια/', count: 12 },
      { slug: 'posts/x/', count: 3 },
    ])
    const readers = appOn(database.handle, {
      readCacheMs: 0,
      countingOptions: { ...everyView, mode: 'readers', trailingSlash: 'add' },
    })
    for (const path of ['posts/%CE%B3%CE%B5%CE%B9%CE%B1/', 'posts/x', 'posts/x/index.html']) {
      const { count } = await (await readers.request(`/views/${path}`)).json()
      expect(texts(await (await readers.request(`/badge/${path}`)).text())).toEqual(['views', String(count)])
    }
  })

  test('never counts, for GET or HEAD', async () => {
    await database.handle.db.insert(views).values({ slug: 'posts/a/', count: 5 })
    for (const method of ['GET', 'HEAD', 'GET'])
      expect((await app().request('/badge/posts/a/', { method })).status).toBe(200)
    expect(await stored()).toEqual({ 'posts/a/': 5 })
  })

  test('escapes a hostile label, and keeps a hostile slug out of the picture', async () => {
    const label = encodeURIComponent('<script>alert(1)</script>&"')
    const svg = await (await app().request(`/badge/posts/%3Cscript%3E/?label=${label}`)).text()
    expect(svg).not.toContain('<script')
    expect(texts(svg)).toEqual(['&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;', '0'])
    expect(svg).toContain('aria-label="&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;: 0"')
  })

  test('a label with control characters is a 400, so every badge is well-formed XML', async () => {
    for (const bad of ['a%00b', 'a%1Bb', 'a%0Ab', 'a%C2%85b', 'a%EF%BF%BEb', '%7F']) {
      const response = await app().request(`/badge/posts/a/?label=${bad}`)
      expect(response.status).toBe(400)
      expect(await response.json()).toEqual({ error: 'label: must not contain control characters' })
    }
    // XML 1.0's Char production: what an accepted label may put in the document.
    const notXml = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u
    for (const good of ['caf%C3%A9', '%F0%9F%91%80', 'a%20b', '%E2%80%8B']) {
      const response = await app().request(`/badge/posts/a/?label=${good}`)
      expect(response.status).toBe(200)
      expect(await response.text()).not.toMatch(notXml)
    }
  })

  test('a custom label widens the badge to fit', async () => {
    const short = await (await app().request('/badge/posts/a/')).text()
    const long = await (
      await app().request('/badge/posts/a/?label=%CF%80%CF%81%CE%BF%CE%B2%CE%BF%CE%BB%CE%AD%CF%82')
    ).text()
    const width = (svg: string) => Number(svg.match(/^<svg[^>]* width="(\d+)"/)![1])
    expect(texts(long)[0]).toBe('προβολές')
    expect(width(long)).toBeGreaterThan(width(short))
  })

  test('bad input is a JSON 400; a wrong method a 405; 503 while the database is not ready', async () => {
    const empty = await app().request('/badge/')
    expect(empty.status).toBe(400)
    expect(await empty.json()).toEqual({ error: 'slug must not be empty' })
    expect((await app().request('/badge/posts/a/?label=')).status).toBe(400)
    const post = await app().request('/badge/posts/a/', { method: 'POST' })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD')
    const down = await app(() => false).request('/badge/posts/a/')
    expect(down.status).toBe(503)
    expect(await down.json()).toEqual({ error: 'database unavailable' })
  })
})

describe('badge text width', () => {
  test('is estimated per character: narrow, digits, wide and full-width', () => {
    expect(textWidth('views')).toBe(34)
    expect(textWidth('1,234')).toBe(32)
    expect(textWidth('iii')).toBeLessThan(textWidth('mmm') / 2)
    expect(textWidth('閲覧数')).toBe(33)
  })
})
