import { beforeEach, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import type { CountingOptions } from '../../src/counting/counting.ts'
import { pageAllowlist, parsePageList } from '../../src/counting/page-allowlist.ts'
import { forgetExpiredVisitors } from '../../src/db/counts.ts'
import { recentVisits, views } from '../../src/db/schema.ts'
import { appOn, quietLog, readerViews } from '../support/app.ts'
import { useMigratedDatabase } from '../support/database.ts'

const browser = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36'
const secret = 'a-test-secret-that-is-long-enough-000'

const database = useMigratedDatabase()
let now: Date
const clock = () => now

beforeEach(async () => {
  now = new Date('2026-03-19T12:00:00Z')
  await database.handle.db.delete(views)
  await database.handle.db.delete(recentVisits)
})

const readers = (overrides: Partial<CountingOptions> = {}): CountingOptions => ({
  ...readerViews,
  visitorHashSecret: secret,
  clock,
  ...overrides,
})
const appWith = (overrides: Partial<CountingOptions> = {}) =>
  appOn(database.handle, { countingOptions: readers(overrides) })

async function view(
  app: ReturnType<typeof appWith>,
  path: string,
  { ip = '203.0.113.7', ua = browser as string | null, headers = {} } = {},
) {
  const all: Record<string, string> = { 'X-Forwarded-For': ip, ...headers }
  if (ua !== null) all['User-Agent'] = ua
  return app.request(`/views/${path}`, { method: 'POST', headers: all })
}
const outcomeOf = async (response: Response) => (await response.json()) as { count: number; counted: boolean }
const rows = () => database.handle.db.select({ slug: views.slug, count: views.count }).from(views).orderBy(views.slug)

describe('one page, one count', () => {
  test('every spelling of a page counts for, and reads from, one slug', async () => {
    const app = appWith({ repeatWindowMinutes: 0 })
    const spellings = [
      'posts/x',
      '%2Fposts/x/',
      'posts/x/index.html',
      'posts/x/?utm_source=y',
      'posts/x/%3Futm_source%3Dy',
      'posts/x/%23comments',
      'posts//x',
    ]
    for (const spelling of spellings) {
      const response = await view(app, spelling)
      expect(await response.json()).toMatchObject({ slug: 'posts/x/', counted: true })
    }
    expect(await rows()).toEqual([{ slug: 'posts/x/', count: spellings.length }])
    for (const spelling of spellings) {
      expect(await (await app.request(`/views/${spelling}`)).json()).toEqual({
        slug: 'posts/x/',
        count: spellings.length,
      })
    }
    expect(await (await app.request('/views?slugs=posts%2Fx,posts%2Fx%2Findex.html')).json()).toEqual([
      { slug: 'posts/x/', count: spellings.length },
    ])
  })

  test('Unicode is folded to NFC, so a decomposed é is the same page as a composed one', async () => {
    const app = appWith({ repeatWindowMinutes: 0 })
    await view(app, encodeURIComponent('posts/caf\u00e9/'))
    await view(app, encodeURIComponent('posts/cafe\u0301/'))
    expect(await rows()).toEqual([{ slug: 'posts/caf\u00e9/', count: 2 }])
  })

  test('a file-like slug (uglyURLs) gets no trailing slash; "strip" and "keep" follow the site', async () => {
    expect(await (await view(appWith({ repeatWindowMinutes: 0 }), 'posts/x.html')).json()).toMatchObject({
      slug: 'posts/x.html',
    })
    expect(
      await (await view(appWith({ repeatWindowMinutes: 0, trailingSlash: 'strip' }), 'posts/y/')).json(),
    ).toMatchObject({ slug: 'posts/y' })
    expect(
      await (await view(appWith({ repeatWindowMinutes: 0, trailingSlash: 'keep' }), 'posts/z')).json(),
    ).toMatchObject({ slug: 'posts/z' })
  })

  test('the slug is checked as stored: normalising cannot turn it into a dot segment or push it over 512 bytes', async () => {
    const app = appWith({ repeatWindowMinutes: 0 })
    // "..?x" is no dot segment, but dropping the query leaves "..": stored as "../" before.
    for (const spelling of ['..%3Fx', 'posts%2F..%23', 'posts/..%3Fa%3Db', '.%23top']) {
      expect((await view(app, spelling)).status).toBe(400)
      expect((await app.request(`/views/${spelling}`)).status).toBe(400)
    }
    // U+1D160 is 4 bytes, and 12 once NFC has decomposed it: 508 bytes arrive, 1,524 would be stored.
    const expanding = '%F0%9D%85%A0'.repeat(127)
    expect((await view(app, expanding)).status).toBe(400)
    expect(await rows()).toEqual([])
  })

  test('a slug that normalises to nothing is refused', async () => {
    expect((await view(appWith(), 'index.html')).status).toBe(400)
    expect(await rows()).toEqual([])
  })
})

describe('no bots', () => {
  const agents: [string, string | null][] = [
    ['no User-Agent', null],
    ['Googlebot', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'],
    [
      'headless Chrome',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0 Safari/537.36',
    ],
    ['curl', 'curl/8.5.0'],
    ['python-requests', 'python-requests/2.31.0'],
  ]
  for (const [name, ua] of agents) {
    test(`a request with ${name} is answered with the count but not counted`, async () => {
      const app = appWith()
      await view(app, 'posts/b/', { ip: '198.51.100.1' })
      const response = await view(app, 'posts/b/', { ua })
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ slug: 'posts/b/', count: 1, counted: false })
      expect(await (await app.request('/views/posts/b/', { headers: ua ? { 'User-Agent': ua } : {} })).json()).toEqual({
        slug: 'posts/b/',
        count: 1,
      })
    })
  }
})

describe('no repeat views', () => {
  test('the same visitor on the same page counts once per window; just before the end is still a repeat', async () => {
    const app = appWith()
    expect(await (await view(app, 'posts/r/')).json()).toEqual({ slug: 'posts/r/', count: 1, counted: true })
    now = new Date(now.getTime() + 30 * 60_000 - 1)
    expect(await (await view(app, 'posts/r/')).json()).toEqual({ slug: 'posts/r/', count: 1, counted: false })
    now = new Date(now.getTime() + 1)
    expect(await (await view(app, 'posts/r/')).json()).toEqual({ slug: 'posts/r/', count: 2, counted: true })
  })

  test('another page, another address or another browser is another view', async () => {
    const app = appWith()
    await view(app, 'posts/r/')
    expect(await (await view(app, 'posts/other/')).json()).toMatchObject({ counted: true })
    expect(await (await view(app, 'posts/r/', { ip: '203.0.113.8' })).json()).toMatchObject({ counted: true })
    expect(await (await view(app, 'posts/r/', { ua: browser.replace('131.0', '132.0') })).json()).toMatchObject({
      counted: true,
    })
    expect(await rows()).toEqual([
      { slug: 'posts/other/', count: 1 },
      { slug: 'posts/r/', count: 3 },
    ])
  })

  test('a window of 0 counts every human view', async () => {
    const app = appWith({ repeatWindowMinutes: 0 })
    for (let i = 0; i < 3; i++) await view(app, 'posts/w/')
    expect(await rows()).toEqual([{ slug: 'posts/w/', count: 3 }])
    expect(await database.handle.db.select().from(recentVisits)).toEqual([])
  })

  test('the window holds across midnight, when the salt rotates', async () => {
    const app = appWith()
    now = new Date('2026-03-19T23:50:00Z')
    await view(app, 'posts/m/')
    const [before] = await database.handle.db.select().from(recentVisits)
    now = new Date('2026-03-20T00:10:00Z')
    expect(await (await view(app, 'posts/m/')).json()).toMatchObject({ count: 1, counted: false })
    now = new Date('2026-03-20T00:20:00Z')
    expect(await (await view(app, 'posts/m/')).json()).toMatchObject({ count: 2, counted: true })
    const visitors = (await database.handle.db.select().from(recentVisits)).map((row) => row.visitor)
    // Under the new day's salt the same person has a different, unlinkable key.
    expect(visitors).toContain(before!.visitor)
    expect(visitors.length).toBe(2)
  })

  test('two service instances on one database recognise the same reader', async () => {
    const first = appWith()
    const second = appWith()
    expect(await (await view(first, 'posts/two/')).json()).toMatchObject({ counted: true })
    expect(await (await view(second, 'posts/two/')).json()).toMatchObject({ count: 1, counted: false })
  })

  test('concurrent views by one reader count once', async () => {
    const app = appWith()
    const results = await Promise.all(Array.from({ length: 20 }, () => view(app, 'posts/burst/').then(outcomeOf)))
    expect(results.filter((r) => r.counted).length).toBe(1)
    expect(await rows()).toEqual([{ slug: 'posts/burst/', count: 1 }])
  })

  test('concurrent views by many readers each count once, with distinct counts', async () => {
    const app = appWith()
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => view(app, 'posts/many/', { ip: `192.0.2.${i}` }).then(outcomeOf)),
    )
    expect(results.every((r) => r.counted)).toBe(true)
    const counts = results.map((r) => r.count)
    expect(new Set(counts).size).toBe(50)
    expect(await rows()).toEqual([{ slug: 'posts/many/', count: 50 }])
  })

  test('what is stored holds no address, no User-Agent and no slug, only keyed hashes and an expiry', async () => {
    await view(appWith(), 'posts/private/', { ip: '203.0.113.99' })
    const stored = JSON.stringify(await database.handle.db.execute(sql`select * from recent_visits`))
    expect(stored).not.toContain('203.0.113.99')
    expect(stored).not.toContain('Chrome')
    expect(stored).not.toContain('private')
    const [row] = await database.handle.db.select().from(recentVisits)
    expect(row!.visitor).toMatch(/^[A-Za-z0-9_-]{27}$/)
  })

  test('expired entries are deleted, unexpired ones kept', async () => {
    const app = appWith()
    await view(app, 'posts/old/')
    now = new Date(now.getTime() + 20 * 60_000)
    await view(app, 'posts/new/')
    expect(await forgetExpiredVisitors(database.handle.db, new Date(now.getTime() + 15 * 60_000))).toBe(1)
    expect((await database.handle.db.select().from(recentVisits)).length).toBe(1)
  })
})

describe('rate limit per address', () => {
  test('the request over the limit gets 429 with Retry-After and counts nothing; a token comes back in time', async () => {
    const app = appWith({ ratePerMinute: 3, repeatWindowMinutes: 0 })
    for (let i = 0; i < 3; i++) expect((await view(app, `posts/rl${i}/`)).status).toBe(200)
    const refused = await view(app, 'posts/rl3/')
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('20')
    expect(await refused.json()).toEqual({ error: 'too many views from this address' })
    expect(await (await view(app, 'posts/rl3/', { ip: '198.51.100.200' })).json()).toMatchObject({ counted: true })
    now = new Date(now.getTime() + 19_999)
    expect((await view(app, 'posts/rl3/')).status).toBe(429)
    now = new Date(now.getTime() + 1)
    expect((await view(app, 'posts/rl3/')).status).toBe(200)
    expect(await rows()).toEqual([
      { slug: 'posts/rl0/', count: 1 },
      { slug: 'posts/rl1/', count: 1 },
      { slug: 'posts/rl2/', count: 1 },
      { slug: 'posts/rl3/', count: 2 },
    ])
  })

  test('reads are never rate limited', async () => {
    const app = appWith({ ratePerMinute: 1 })
    for (let i = 0; i < 5; i++)
      expect((await app.request('/views/posts/x/', { headers: { 'X-Forwarded-For': '203.0.113.7' } })).status).toBe(200)
  })
})

describe('client address', () => {
  test('forwarding headers are ignored unless a trusted proxy is configured', async () => {
    const app = appWith({ clientIpHeader: 'none' })
    await view(app, 'posts/ip/', { ip: '203.0.113.1' })
    expect(await (await view(app, 'posts/ip/', { ip: '203.0.113.2' })).json()).toMatchObject({ counted: false })
  })

  test('with X-Forwarded-For trusted, the rightmost address (added by our proxy) is the client', async () => {
    const app = appWith()
    await view(app, 'posts/xff/', { ip: '10.9.9.9, 203.0.113.1' })
    expect(await (await view(app, 'posts/xff/', { ip: '10.8.8.8, 203.0.113.1' })).json()).toMatchObject({
      counted: false,
    })
    expect(await (await view(app, 'posts/xff/', { ip: '203.0.113.1, 203.0.113.2' })).json()).toMatchObject({
      counted: true,
    })
  })

  test('with CF-Connecting-IP trusted, Cloudflare’s header names the client', async () => {
    const app = appWith({ clientIpHeader: 'cf-connecting-ip' })
    await view(app, 'posts/cf/', { headers: { 'CF-Connecting-IP': '2001:db8:0:1::1' } })
    expect(
      await (await view(app, 'posts/cf/', { headers: { 'CF-Connecting-IP': '2001:db8:0:1::1' } })).json(),
    ).toMatchObject({ counted: false })
    expect(
      await (await view(app, 'posts/cf/', { headers: { 'CF-Connecting-IP': '2001:db8:0:2::1' } })).json(),
    ).toMatchObject({ counted: true })
  })

  test('an IPv6 reader is its /64: rotating addresses inside it are repeats; another /64 is another reader', async () => {
    const app = appWith()
    expect(await outcomeOf(await view(app, 'posts/v6/', { ip: '2001:db8:1:2::1' }))).toMatchObject({ counted: true })
    for (const ip of ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:DB8:1:2::5', '2001:0db8:0001:0002:0:0:0:9']) {
      expect(await outcomeOf(await view(app, 'posts/v6/', { ip }))).toMatchObject({ counted: false })
    }
    expect(await outcomeOf(await view(app, 'posts/v6/', { ip: '2001:db8:1:3::1' }))).toMatchObject({ counted: true })
  })

  test('an IPv6 /64 shares one rate limit, whichever addresses in it it uses', async () => {
    const app = appWith({ ratePerMinute: 3, repeatWindowMinutes: 0 })
    for (let i = 1; i <= 3; i++) expect((await view(app, 'posts/v6rl/', { ip: `2001:db8:7:7::${i}` })).status).toBe(200)
    expect((await view(app, 'posts/v6rl/', { ip: '2001:db8:7:7:ffff::4' })).status).toBe(429)
    expect((await view(app, 'posts/v6rl/', { ip: '2001:db8:7:8::1' })).status).toBe(200)
  })

  test('IPv4 is keyed by the whole address, and an IPv4-mapped IPv6 address is that IPv4 client', async () => {
    const app = appWith({ ratePerMinute: 2 })
    expect(await outcomeOf(await view(app, 'posts/v4/', { ip: '203.0.113.7' }))).toMatchObject({ counted: true })
    expect(await outcomeOf(await view(app, 'posts/v4/', { ip: '::ffff:203.0.113.7' }))).toMatchObject({
      counted: false,
    })
    expect((await view(app, 'posts/v4/', { ip: '::ffff:cb00:7107' })).status).toBe(429)
    expect(await outcomeOf(await view(app, 'posts/v4/', { ip: '203.0.113.8' }))).toMatchObject({ counted: true })
  })
})

describe('excluding the owner', () => {
  test('views from an ignored address or network are answered but not counted', async () => {
    const app = appWith({ ignoreAddresses: ['198.51.100.0/24', '2001:db8::42'] })
    expect(await (await view(app, 'posts/own/', { ip: '198.51.100.77' })).json()).toEqual({
      slug: 'posts/own/',
      count: 0,
      counted: false,
    })
    expect(await (await view(app, 'posts/own/', { ip: '2001:db8::42' })).json()).toMatchObject({ counted: false })
    expect(await (await view(app, 'posts/own/', { ip: '198.51.101.1' })).json()).toMatchObject({ counted: true })
  })

  test('IGNORE_ADDRESSES matches the address itself: one IPv6 address, or the /64 when written as one; IPv4 also when mapped', async () => {
    const app = appWith({
      ignoreAddresses: ['2001:db8:5:5::42', '2001:db8:6:6::/64', '198.51.100.9'],
      repeatWindowMinutes: 0,
    })
    expect(await outcomeOf(await view(app, 'posts/own6/', { ip: '2001:db8:5:5::42' }))).toMatchObject({
      counted: false,
    })
    expect(await outcomeOf(await view(app, 'posts/own6/', { ip: '2001:db8:5:5::43' }))).toMatchObject({ counted: true })
    expect(await outcomeOf(await view(app, 'posts/own6/', { ip: '2001:db8:6:6:1:2:3:4' }))).toMatchObject({
      counted: false,
    })
    expect(await outcomeOf(await view(app, 'posts/own6/', { ip: '::ffff:198.51.100.9' }))).toMatchObject({
      counted: false,
    })
  })
})

describe('only real pages', () => {
  test('a slug outside SLUG_PATTERN is refused with 404 and creates no row', async () => {
    const pages = pageAllowlist({
      pattern: /^posts\/[^/]+\/$/u,
      refreshSeconds: 60,
      trailingSlash: 'add',
      log: quietLog,
    })
    const app = appWith({ pages })
    expect((await view(app, 'posts/fine/')).status).toBe(200)
    const refused = await view(app, 'wp-admin/login.php')
    expect(refused.status).toBe(404)
    expect(await refused.json()).toEqual({ error: 'unknown page' })
    expect(await rows()).toEqual([{ slug: 'posts/fine/', count: 1 }])
  })

  test("the site's published page list is fetched, cached and refreshed", async () => {
    let list = ['/posts/a/', '/posts/%CE%B3/'.replace('%CE%B3', 'γ')]
    let fetches = 0
    const site = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: () => {
        fetches++
        return Response.json(list)
      },
    })
    try {
      const pages = pageAllowlist({
        pagesUrl: `${site.url.href}view-counter/pages.json`,
        refreshSeconds: 3600,
        trailingSlash: 'add',
        log: quietLog,
      })
      await pages.refresh()
      const app = appWith({ pages })
      expect((await view(app, 'posts/a')).status).toBe(200)
      expect((await view(app, 'posts/%CE%B3/')).status).toBe(200)
      expect((await view(app, 'posts/b/')).status).toBe(404)
      list = [...list, '/posts/b/']
      await pages.refresh()
      expect((await view(app, 'posts/b/')).status).toBe(200)
      pages.stop()
      expect(fetches).toBeGreaterThanOrEqual(2)
    } finally {
      site.stop(true)
    }
  })

  test('the page list is read in both formats: bare paths (older sites) and objects with title, lang and date', () => {
    expect([...parsePageList(['/posts/a', 'posts/b/index.html'], 'add')]).toEqual([
      ['posts/a/', {}],
      ['posts/b/', {}],
    ])
    const pages = parsePageList(
      [
        { path: '/posts/a/', title: 'Hello', lang: 'en', date: '2026-03-01' },
        { path: '/el/posts/a/', title: 'Γεια', lang: 'el', date: '2026-03-02' },
        { path: '/posts/untitled/', title: ' ' },
        { path: '/posts/bare/' },
      ],
      'add',
    )
    expect([...pages]).toEqual([
      ['posts/a/', { title: 'Hello', lang: 'en', date: '2026-03-01' }],
      ['el/posts/a/', { title: 'Γεια', lang: 'el', date: '2026-03-02' }],
      ['posts/untitled/', {}],
      ['posts/bare/', {}],
    ])
    for (const bad of [{}, [1], [{ title: 'no path' }], [{ path: '/x/', title: 3 }], 'posts/a/'])
      expect(() => parsePageList(bad, 'add')).toThrow('not a JSON array of paths or of { path, title, lang, date }')
  })

  test("a page list of objects both allows the site's pages and tells their titles", async () => {
    const site = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: () => Response.json([{ path: '/posts/a/', title: 'Hello', lang: 'en', date: '2026-03-01' }]),
    })
    try {
      const pages = pageAllowlist({
        pagesUrl: `${site.url.href}view-counter/pages.json`,
        refreshSeconds: 3600,
        trailingSlash: 'add',
        log: quietLog,
      })
      await pages.refresh()
      pages.stop()
      const app = appWith({ pages })
      expect((await view(app, 'posts/a/')).status).toBe(200)
      expect((await view(app, 'posts/b/')).status).toBe(404)
      expect(pages.page('posts/a/')).toEqual({ title: 'Hello', lang: 'en', date: '2026-03-01' })
      expect(pages.page('posts/b/')).toBeUndefined()
    } finally {
      site.stop(true)
    }
  })

  test('an unreachable page list keeps the last good one, and before any, only the pattern applies', async () => {
    const pages = pageAllowlist({
      pagesUrl: 'http://127.0.0.1:9/pages.json',
      refreshSeconds: 3600,
      trailingSlash: 'add',
      log: quietLog,
    })
    await pages.refresh()
    pages.stop()
    expect((await view(appWith({ pages }), 'posts/any/')).status).toBe(200)
  })
})

describe('COUNT_MODE=every', () => {
  test('restores the reference: every POST counts, spellings stay apart, bots count, no "counted" field', async () => {
    const app = appWith({ mode: 'every', ratePerMinute: 1 })
    for (const [path, ua] of [
      ['posts/e', null],
      ['posts/e/', 'Googlebot/2.1'],
      ['posts/e/', browser],
      ['posts/e/', browser],
    ] as const) {
      const response = await view(app, path, { ua })
      expect(response.status).toBe(200)
      expect(Object.keys(await response.json())).toEqual(['slug', 'count'])
    }
    expect(await rows()).toEqual([
      { slug: 'posts/e', count: 1 },
      { slug: 'posts/e/', count: 3 },
    ])
  })
})
