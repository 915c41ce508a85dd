import { beforeEach, describe, expect, test } from 'bun:test'
import { dailyCountsFor, dayRange } from '../../src/db/history.ts'
import { dailyViews, views } from '../../src/db/schema.ts'
import type { Site } from '../../src/http/site-pages.ts'
import type { StatsCredentials } from '../../src/http/stats-access.ts'
import { appOn, everyView } from '../support/app.ts'
import { useMigratedDatabase } from '../support/database.ts'

const database = useMigratedDatabase()
beforeEach(async () => {
  for (const table of [views, dailyViews]) await database.handle.db.delete(table)
})

const now = new Date('2026-03-19T12:00:00Z')
const appWith = (statsCredentials?: StatsCredentials, isReady = () => true, site?: Site) =>
  appOn(database.handle, {
    countingOptions: { ...everyView, clock: () => now },
    statsCredentials,
    isReady,
    readCacheMs: 0,
    site,
  })
const page = async (path = '/stats', init?: RequestInit) => {
  const response = await appWith().request(path, init)
  return { response, html: await response.text() }
}

// Totals 6,284; today 4; last 7 days 14; last 30 days 114; posts/old/ predates the daily history.
async function seed() {
  await database.handle.db.insert(views).values([
    { slug: 'posts/old/', count: 5000 },
    { slug: 'posts/a/', count: 1234 },
    { slug: 'posts/b/', count: 50 },
  ])
  await database.handle.db.insert(dailyViews).values([
    { slug: 'posts/a/', day: '2026-03-19', count: 3 },
    { slug: 'posts/a/', day: '2026-03-15', count: 10 },
    { slug: 'posts/a/', day: '2026-02-25', count: 100 },
    { slug: 'posts/b/', day: '2026-03-19', count: 1 },
    { slug: 'posts/b/', day: '2026-01-01', count: 7 },
  ])
}

async function elements(html: string) {
  const tags: string[] = []
  const fetching: string[] = []
  const hrefs: string[] = []
  await new HTMLRewriter()
    .on('*', {
      element(element) {
        tags.push(element.tagName)
        for (const [name, value] of element.attributes) {
          // A link to the page on the site loads nothing until the owner follows it.
          if (element.tagName === 'a' && name === 'href') hrefs.push(value)
          else if (['src', 'href', 'srcset', 'action'].includes(name) || name.startsWith('on'))
            fetching.push(`${element.tagName} ${name}`)
        }
      },
    })
    .transform(new Response(html))
    .text()
  return { tags, fetching, hrefs }
}
const cards = (html: string) =>
  Object.fromEntries([...html.matchAll(/<dt>([^<]+)<\/dt><dd>([^<]+)<\/dd>/g)].map((m) => [m[1], m[2]]))
const chart = (html: string, id: string) =>
  html.match(new RegExp(`<svg class="chart"[^>]*aria-labelledby="${id}-title[\\s\\S]*?</svg>`))?.[0] ?? ''

describe('GET /stats', () => {
  test('is an HTML page with the site totals, formatted', async () => {
    await seed()
    const { response, html } = await page()
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=UTF-8')
    expect(html).toStartWith('<!doctype html><html lang="en">')
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1"/>')
    expect(cards(html)).toEqual({ Total: '6,284', Today: '4', 'Last 7 days': '14', 'Last 30 days': '114' })
  })

  test('lists the top pages, most viewed first, with totals and their last 30 days', async () => {
    await seed()
    const { html } = await page()
    const rows = [
      ...html.matchAll(
        /<td class="slug">([^<]+)<\/td>[\s\S]*?<td class="num">([^<]+)<\/td><td class="num">([^<]+)<\/td>/g,
      ),
    ]
    expect(rows.map((m) => [m[1], m[2], m[3]])).toEqual([
      ['posts/old/', '0', '5,000'],
      ['posts/a/', '113', '1,234'],
      ['posts/b/', '1', '50'],
    ])
    const limited = await page('/stats?top=2')
    expect(limited.html).not.toContain('posts/b/')
  })

  test('charts have one bar per day, oldest first, titled with the day and its views', async () => {
    await seed()
    const { html } = await page()
    for (const [id, days] of [
      ['last-30', 30],
      ['last-90', 90],
    ] as const) {
      const bars = [...chart(html, id).matchAll(/<rect class="bar" data-day="([0-9-]+)"/g)].map((m) => m[1])
      expect(bars).toEqual(dayRange('2026-03-19', days))
    }
    expect(chart(html, 'last-30')).toContain('<title>Mar 19: 4 views</title>')
    expect(chart(html, 'last-30')).toContain('<title>Feb 25: 100 views</title>')
    expect(chart(html, 'last-90')).toContain('<title>Jan 1: 7 views</title>')
    expect(chart(html, 'last-30')).toMatch(/role="img" aria-labelledby="last-30-title last-30-desc"/)
    expect(chart(html, 'last-30')).toContain('Feb 18 to Mar 19: 114 views in all, the busiest day Feb 25 with 100.')
  })

  test('the y-axis values come after the bars, so they are painted over them, not hidden behind', async () => {
    await seed()
    const svg = chart((await page()).html, 'last-30')
    const values = [...(svg.match(/<g class="values"[\s\S]*?<\/g>/)?.[0] ?? '').matchAll(/<text[^>]*>([^<]+)</g)]
    expect(values.map((m) => m[1])).toEqual(['20', '40', '60', '80', '100'])
    expect(svg.indexOf('<g class="values"')).toBeGreaterThan(svg.lastIndexOf('class="bar"'))
  })

  test('each top page has a 30-point sparkline, highest at its busiest day', async () => {
    await seed()
    const { html } = await page()
    const sparks = [
      ...html.matchAll(
        /<svg class="spark"[^>]*aria-label="([^"]+)"[\s\S]*?<polyline class="spark-line" points="([^"]+)"/g,
      ),
    ]
    expect(sparks.map((m) => m[1])).toEqual([
      'posts/old/: 0 views in the last 30 days, by day',
      'posts/a/: 113 views in the last 30 days, by day',
      'posts/b/: 1 view in the last 30 days, by day',
    ])
    for (const spark of sparks) expect(spark[2]!.split(' ')).toHaveLength(30)
    const a = sparks[1]![2]!.split(' ').map((point) => Number(point.split(',')[1]))
    expect(a.indexOf(Math.min(...a))).toBe(dayRange('2026-03-19', 30).indexOf('2026-02-25'))
  })

  test('a page with a known title shows it, linked to SITE_URL + its slug; one without falls back to its slug', async () => {
    await seed()
    const titles = new Map([['posts/a/', { title: 'Hello, world' }]])
    const site: Site = { url: 'https://blog.example/', pages: { page: (slug) => titles.get(slug) } }
    const html = await (await appWith(undefined, undefined, site).request('/stats')).text()
    const cells = [...html.matchAll(/<td class="slug">([\s\S]*?)<\/td>/g)].map((m) => m[1])
    expect(cells).toEqual([
      '<a href="https://blog.example/posts/old/">posts/old/</a>',
      '<span class="title"><a href="https://blog.example/posts/a/">Hello, world</a></span><span class="muted path">posts/a/</span>',
      '<a href="https://blog.example/posts/b/">posts/b/</a>',
    ])
    expect(html).toContain('aria-label="Hello, world: 113 views in the last 30 days, by day"')
  })

  test('a hostile title is escaped, and a hostile slug never becomes a link off the site', async () => {
    const slug = 'javascript:alert(1)//'
    await database.handle.db.insert(views).values({ slug, count: 3 })
    const title = `</a><script>alert(1)</script><a href="javascript:alert(2)">x`
    const site: Site = { url: 'https://blog.example/', pages: { page: () => ({ title }) } }
    const html = await (await appWith(undefined, undefined, site).request('/stats')).text()
    expect(html).toContain(
      '&lt;/a&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;a href=&quot;javascript:alert(2)&quot;&gt;x',
    )
    const parsed = await elements(html)
    expect(parsed.tags).not.toContain('script')
    expect(parsed.hrefs).toEqual(['https://blog.example/javascript%3Aalert(1)//'])
  })

  test('hostile slugs are escaped, and the page loads nothing and runs nothing', async () => {
    const hostile = `posts/<script>alert(1)</script>"'&<img src=x onerror=alert(2)>/`
    await database.handle.db.insert(views).values({ slug: hostile, count: 3 })
    await database.handle.db.insert(dailyViews).values({ slug: hostile, day: '2026-03-19', count: 3 })
    const { response, html } = await page()
    expect(html).toContain(
      'posts/&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&lt;img src=x onerror=alert(2)&gt;/',
    )
    // Parsed as a browser would: no element that runs or fetches anything, whatever the text says.
    const parsed = await elements(html)
    expect(parsed.tags).not.toContain('script')
    expect(parsed.tags).not.toContain('img')
    expect(parsed.fetching).toEqual([])
    expect(response.headers.get('content-security-policy')).toMatch(
      /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'/,
    )
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  test('an empty site renders zeros, flat charts and no table', async () => {
    const { response, html } = await page()
    expect(response.status).toBe(200)
    expect(cards(html)).toEqual({ Total: '0', Today: '0', 'Last 7 days': '0', 'Last 30 days': '0' })
    expect(html).toContain('No views yet.')
    expect([...chart(html, 'last-90').matchAll(/class="bar"/g)]).toHaveLength(90)
  })

  test('a bad top is a 400 naming it; a wrong method is a 405; HEAD answers like GET', async () => {
    const bad = await page('/stats?top=0')
    expect(bad.response.status).toBe(400)
    expect(JSON.parse(bad.html).error).toStartWith('top:')
    const post = await page('/stats', { method: 'POST' })
    expect(post.response.status).toBe(405)
    expect(post.response.headers.get('allow')).toBe('GET, HEAD')
    expect((await page('/stats', { method: 'HEAD' })).response.status).toBe(200)
  })

  test('answers 503 with an HTML page, not JSON, while the database is not ready', async () => {
    const response = await appWith(undefined, () => false).request('/stats')
    expect(response.status).toBe(503)
    expect(response.headers.get('content-type')).toStartWith('text/html')
    expect(response.headers.get('content-security-policy')).toStartWith("default-src 'none'")
    const html = await response.text()
    expect(html).toStartWith('<!doctype html>')
    expect(html).toContain('<h2>The database is unavailable</h2>')
  })
})

describe('GET /stats, private', () => {
  const token = 'sixteen-chars-at-least.0123'
  const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`
  const statusWith = async (credentials: StatsCredentials, authorization?: string) =>
    (await appWith(credentials).request('/stats', { headers: authorization ? { Authorization: authorization } : {} }))
      .status

  test('with STATS_TOKEN: 401 JSON with a Bearer challenge without it or with a wrong one, 200 with it', async () => {
    const response = await appWith({ token }).request('/stats')
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({ error: 'unauthorized' })
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="view-counter stats"')
    expect(await statusWith({ token }, `Bearer ${token}x`)).toBe(401)
    expect(await statusWith({ token }, 'Bearer')).toBe(401)
    expect(await statusWith({ token }, basic('owner', token))).toBe(401)
    expect(await statusWith({ token }, `Bearer ${token}`)).toBe(200)
  })

  test('with STATS_USER and STATS_PASSWORD: a Basic challenge, 200 only for both right', async () => {
    const credentials = { user: 'owner', password: 'pässword:with colon' }
    const response = await appWith(credentials).request('/stats')
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="view-counter stats", charset="UTF-8"')
    expect(await statusWith(credentials, basic('owner', 'wrong'))).toBe(401)
    expect(await statusWith(credentials, basic('other', credentials.password))).toBe(401)
    const utf8 = `Basic ${Buffer.from(`owner:${credentials.password}`).toString('base64')}`
    expect(await statusWith(credentials, utf8)).toBe(200)
  })

  test('with both, either credential opens the page and the challenge names both', async () => {
    const credentials = { token, user: 'owner', password: 'secret' }
    const response = await appWith(credentials).request('/stats')
    expect(response.headers.get('www-authenticate')).toBe(
      'Basic realm="view-counter stats", charset="UTF-8", Bearer realm="view-counter stats"',
    )
    expect(await statusWith(credentials, `Bearer ${token}`)).toBe(200)
    expect(await statusWith(credentials, basic('owner', 'secret'))).toBe(200)
    expect(await statusWith(credentials, basic('owner', token))).toBe(401)
  })

  test('the rest of the API stays public', async () => {
    const app = appWith({ token })
    expect((await app.request('/views')).status).toBe(200)
    expect((await app.request('/badge/posts/a/')).status).toBe(200)
  })
})

describe('dailyCountsFor', () => {
  test('fills every day of the range for each slug asked, unknown slugs included, in one call', async () => {
    await seed()
    const trends = await dailyCountsFor(database.handle.db, ['posts/b/', 'posts/a/', 'posts/none/'], '2026-03-19', 5)
    expect([...trends.keys()]).toEqual(['posts/b/', 'posts/a/', 'posts/none/'])
    expect(trends.get('posts/a/')!.map((day) => day.count)).toEqual([10, 0, 0, 0, 3])
    expect(trends.get('posts/b/')!.map((day) => day.count)).toEqual([0, 0, 0, 0, 1])
    expect(trends.get('posts/none/')!.map((day) => day.day)).toEqual(dayRange('2026-03-19', 5))
    expect(await dailyCountsFor(database.handle.db, [], '2026-03-19', 5)).toEqual(new Map())
  })
})
