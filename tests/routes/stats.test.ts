import { beforeEach, describe, expect, test } from 'bun:test'
import { dailyCountsFor, dayRange } from '../../src/db/history.ts'
import { dailyBreakdowns, dailyViews, views } from '../../src/db/schema.ts'
import type { Site } from '../../src/http/site-pages.ts'
import type { StatsCredentials } from '../../src/http/stats-access.ts'
import { appOn, everyView } from '../support/app.ts'
import { useMigratedDatabase } from '../support/database.ts'
import { queriesDuring } from '../support/queries.ts'

const database = useMigratedDatabase()
beforeEach(async () => {
  for (const table of [views, dailyViews, dailyBreakdowns]) await database.handle.db.delete(table)
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
/** What a 400 page says is wrong. */
const problem = (html: string) => html.match(/<code>([^<]*)<\/code>/)?.[1]
const chart = (html: string, id: string) =>
  html.match(new RegExp(`<svg class="chart"[^>]*aria-labelledby="${id}-title[\\s\\S]*?</svg>`))?.[0] ?? ''

describe('GET /stats', () => {
  test('is an HTML page with the total, today, the range and its change, formatted', async () => {
    await seed()
    await database.handle.db.insert(dailyViews).values({ slug: 'posts/b/', day: '2026-02-17', count: 57 })
    const { response, html } = await page()
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=UTF-8')
    expect(html).toStartWith('<!doctype html><html lang="en">')
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1"/>')
    expect(cards(html)).toEqual({ Total: '6,284', Today: '4', 'Last 30 days': '114' })
    expect(html).toContain('<dt>Change</dt><dd>+100\u00a0%<span class="vs">vs previous 30 days</span></dd>')
    const week = await page('/stats?range=7')
    expect(cards(week.html)).toEqual({ Total: '6,284', Today: '4', 'Last 7 days': '14' })
    expect(week.html).toContain('<dd>–<span class="vs">no views in the previous 7 days</span></dd>')
  })

  test('a from–to range names its days, shows no Today unless it ends today, and all has no change', async () => {
    await seed()
    const custom = await page('/stats?from=2026-02-25&to=2026-03-15')
    expect(cards(custom.html)).toEqual({ Total: '6,284', 'Feb 25, 2026 – Mar 15, 2026': '110' })
    expect(custom.html).toContain('no views in the previous 19 days')
    expect(custom.html).toContain('<input type="date" name="from" required="" value="2026-02-25"')
    const all = await page('/stats?range=all')
    expect(cards(all.html)).toEqual({ Total: '6,284', Today: '4', 'All time': '121' })
    expect(all.html).not.toContain('<dt>Change</dt>')
    expect(all.html).toContain('<a href="?range=all" aria-current="page">All</a>')
    expect((await page('/stats?range=12')).response.status).toBe(400)
    expect((await page('/stats?from=2026-03-02&to=2026-03-01')).response.status).toBe(400)
  })

  test('lists the pages most viewed in the range with their previous period, each linking to its own stats', async () => {
    await seed()
    await database.handle.db.insert(dailyViews).values({ slug: 'posts/b/', day: '2026-02-17', count: 57 })
    const { html } = await page()
    const rows = [
      ...html.matchAll(
        /<td class="slug"><a href="([^"]+)">([^<]+)<\/a><\/td>[\s\S]*?<td class="num">([^<]+)<\/td><td class="num muted">([^<]+)<\/td>/g,
      ),
    ]
    expect(rows.map((m) => [m[1], m[2], m[3], m[4]])).toEqual([
      ['/stats/pages/posts/a/?range=30', 'posts/a/', '113', '0'],
      ['/stats/pages/posts/b/?range=30', 'posts/b/', '1', '57'],
    ])
    const limited = await page('/stats?top=1')
    expect(limited.html).not.toContain('posts/b/')
    const custom = await page('/stats?from=2026-01-01&to=2026-03-19')
    expect(custom.html).toContain('href="/stats/pages/posts/a/?from=2026-01-01&amp;to=2026-03-19"')
  })

  test('the chart has one bar per day up to 120 days, per week beyond, each titled with its days and views', async () => {
    await seed()
    const bars = (html: string) =>
      [...chart(html, 'range').matchAll(/<rect class="bar" data-day="([0-9-]+)"/g)].map((m) => m[1])
    const { html } = await page()
    expect(bars(html)).toEqual(dayRange('2026-03-19', 30))
    expect(bars((await page('/stats?range=90')).html)).toEqual(dayRange('2026-03-19', 90))
    expect(chart(html, 'range')).toContain('<title>Mar 19: 4 views</title>')
    expect(chart(html, 'range')).toContain('<title>Feb 25: 100 views</title>')
    expect(chart(html, 'range')).toMatch(/role="img" aria-labelledby="range-title range-desc"/)
    expect(chart(html, 'range')).toContain('Feb 18 to Mar 19: 114 views in all, the busiest day Feb 25 with 100.')
    const year = (await page('/stats?range=365')).html
    expect(year).toContain('<h2 id="range-heading">Views per week, last 365 days</h2>')
    expect(bars(year)).toHaveLength(53)
    expect(bars(year).at(-1)).toBe('2026-03-13')
    expect(chart(year, 'range')).toContain('<title>Mar 13 – Mar 19: 14 views</title>')
  })

  test('the y-axis values come after the bars, so they are painted over them, not hidden behind', async () => {
    await seed()
    const svg = chart((await page()).html, 'range')
    const values = [...(svg.match(/<g class="values"[\s\S]*?<\/g>/)?.[0] ?? '').matchAll(/<text[^>]*>([^<]+)</g)]
    expect(values.map((m) => m[1])).toEqual(['20', '40', '60', '80', '100'])
    expect(svg.indexOf('<g class="values"')).toBeGreaterThan(svg.lastIndexOf('class="bar"'))
  })

  test('each top page has a sparkline of the range, highest at its busiest day', async () => {
    await seed()
    const { html } = await page()
    const sparks = [
      ...html.matchAll(
        /<svg class="spark"[^>]*aria-label="([^"]+)"[\s\S]*?<polyline class="spark-line" points="([^"]+)"/g,
      ),
    ]
    expect(sparks.map((m) => m[1])).toEqual(['posts/a/: 113 views, last 30 days', 'posts/b/: 1 view, last 30 days'])
    for (const spark of sparks) expect(spark[2]!.split(' ')).toHaveLength(30)
    const a = sparks[0]![2]!.split(' ').map((point) => Number(point.split(',')[1]))
    expect(a.indexOf(Math.min(...a))).toBe(dayRange('2026-03-19', 30).indexOf('2026-02-25'))
  })

  test('a page with a known title shows it above its slug; every link stays on the stats pages', async () => {
    await seed()
    const titles = new Map([['posts/a/', { title: 'Hello, world' }]])
    const site: Site = { url: 'https://blog.example/', pages: { page: (slug) => titles.get(slug) } }
    const html = await (await appWith(undefined, undefined, site).request('/stats')).text()
    const cells = [...html.matchAll(/<td class="slug">([\s\S]*?)<\/td>/g)].map((m) => m[1])
    expect(cells).toEqual([
      '<span class="title"><a href="/stats/pages/posts/a/?range=30">Hello, world</a></span><span class="muted path">posts/a/</span>',
      '<a href="/stats/pages/posts/b/?range=30">posts/b/</a>',
    ])
    expect(html).toContain('aria-label="Hello, world: 113 views, last 30 days"')
  })

  test('breakdown tables show names, Other and the remainder, with shares of the range', async () => {
    await seed()
    await database.handle.db.insert(dailyBreakdowns).values([
      { kind: 'referrer', value: 'Hacker News', slug: 'posts/a/', day: '2026-03-15', count: 10 },
      { kind: 'referrer', value: '(other)', slug: 'posts/a/', day: '2026-03-15', count: 4 },
      { kind: 'country', value: 'GR', slug: 'posts/a/', day: '2026-02-25', count: 100 },
      { kind: 'screen', value: 's', slug: 'posts/a/', day: '2026-02-25', count: 57 },
      { kind: 'device', value: 'phone', slug: 'posts/a/', day: '2026-02-25', count: 57 },
    ])
    const { html } = await page()
    const rows = (kind: string) =>
      [
        ...(html.match(new RegExp(`id="${kind}-heading"[\\s\\S]*?</table>`))?.[0] ?? '').matchAll(
          /<td class="value[^"]*">([^<]+)<svg[\s\S]*?<rect width="([0-9.]+)"[\s\S]*?<td class="num">([^<]+)<\/td><td class="num muted">([^<]+)</g,
        ),
      ].map((m) => m.slice(1))
    expect(rows('referrers')).toEqual([
      ['Hacker News', '8.77', '10', '9\u00a0%'],
      ['Other', '3.51', '4', '4\u00a0%'],
      ['Direct / unknown', '87.72', '100', '88\u00a0%'],
    ])
    expect(rows('countries')).toEqual([
      ['Greece', '87.72', '100', '88\u00a0%'],
      ['Unknown', '12.28', '14', '12\u00a0%'],
    ])
    expect(rows('screens')[0]).toEqual(['Under 600 px', '50.00', '57', '50\u00a0%'])
    expect(rows('devices')[0]).toEqual(['Phone', '50.00', '57', '50\u00a0%'])
    expect(html).toContain('<h2 id="campaigns-heading">Campaigns (utm_campaign)</h2>')
    expect(rows('campaigns')).toEqual([['None', '100.00', '114', '100\u00a0%']])
  })

  test('a hostile title, slug or referrer is escaped, and a hostile slug links only to its encoded stats path', async () => {
    const slug = 'javascript:alert(1)//'
    await database.handle.db.insert(views).values({ slug, count: 3 })
    await database.handle.db.insert(dailyViews).values({ slug, day: '2026-03-19', count: 3 })
    const referrer = '<img src=x onerror=alert(3)>'
    await database.handle.db
      .insert(dailyBreakdowns)
      .values({ kind: 'referrer', value: referrer, slug, day: '2026-03-19', count: 1 })
    const title = `</a><script>alert(1)</script><a href="javascript:alert(2)">x`
    const site: Site = { url: 'https://blog.example/', pages: { page: () => ({ title }) } }
    const html = await (await appWith(undefined, undefined, site).request('/stats')).text()
    expect(html).toContain(
      '&lt;/a&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;a href=&quot;javascript:alert(2)&quot;&gt;x',
    )
    expect(html).toContain('&lt;img src=x onerror=alert(3)&gt;')
    const parsed = await elements(html)
    expect(parsed.tags).not.toContain('script')
    expect(parsed.tags).not.toContain('img')
    expect(parsed.hrefs.filter((href) => !href.startsWith('?range='))).toEqual([
      '/stats/pages/javascript%3Aalert(1)//?range=30',
    ])
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
      /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'$/,
    )
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  test('the range selector is links and a plain GET form, with the current range marked', async () => {
    const { html } = await page('/stats?range=90')
    const links = [...html.matchAll(/<a href="(\?range=[^"]+)"( aria-current="page")?>([^<]+)<\/a>/g)]
    expect(links.map((m) => [m[1], m[3], Boolean(m[2])])).toEqual([
      ['?range=7', '7 days', false],
      ['?range=30', '30 days', false],
      ['?range=90', '90 days', true],
      ['?range=365', '365 days', false],
      ['?range=all', 'All', false],
    ])
    expect(html).toContain('<form method="get" class="dates">')
    expect(html).toContain(
      '<input type="date" name="to" required="" value="2026-03-19" min="1970-01-01" max="2026-03-20"/>',
    )
  })

  test('the date fields take the days the API takes, so a range ending tomorrow can be submitted again', async () => {
    const inputs = (html: string) =>
      [
        ...html.matchAll(
          /<input type="date" name="(\w+)" required="" value="([0-9-]+)" min="([0-9-]+)" max="([0-9-]+)"/g,
        ),
      ].map((m) => ({ name: m[1], value: m[2]!, min: m[3]!, max: m[4]! }))
    // Tomorrow is the latest day the API takes; a browser refuses to submit a value past max.
    const { response, html } = await page('/stats?from=2026-03-19&to=2026-03-20')
    expect(response.status).toBe(200)
    expect(inputs(html)).toEqual([
      { name: 'from', value: '2026-03-19', min: '1970-01-01', max: '2026-03-20' },
      { name: 'to', value: '2026-03-20', min: '1970-01-01', max: '2026-03-20' },
    ])
    expect((await page('/stats?from=1970-01-01&to=1970-01-02')).response.status).toBe(200)
    expect((await page('/stats?from=2026-03-19&to=2026-03-21')).response.status).toBe(400)
    const own = await page('/stats/pages/posts/a/?from=2026-03-20&to=2026-03-20')
    expect(inputs(own.html).map((input) => input.max)).toEqual(['2026-03-20', '2026-03-20'])
  })

  test('an empty site renders zeros, a flat chart and no table', async () => {
    const { response, html } = await page()
    expect(response.status).toBe(200)
    expect(cards(html)).toEqual({ Total: '0', Today: '0', 'Last 30 days': '0' })
    expect(html).toContain('No views in this range.')
    expect([...chart(html, 'range').matchAll(/class="bar"/g)]).toHaveLength(30)
  })

  test('a bad top is a 400 page naming it; a wrong method is a 405; HEAD answers like GET', async () => {
    const bad = await page('/stats?top=0')
    expect(bad.response.status).toBe(400)
    expect(problem(bad.html)).toStartWith('top:')
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

  test('any other failure is a 500 page that tells nothing of the error', async () => {
    const failing: Site = {
      url: 'https://blog.example/',
      pages: {
        page: () => {
          throw new Error('secret detail of a bug')
        },
      },
    }
    await database.handle.db.insert(views).values({ slug: 'posts/a/', count: 1 })
    await database.handle.db.insert(dailyViews).values({ slug: 'posts/a/', day: '2026-03-19', count: 1 })
    const response = await appWith(undefined, () => true, failing).request('/stats')
    expect(response.status).toBe(500)
    expect(response.headers.get('content-type')).toStartWith('text/html')
    const html = await response.text()
    expect(html).toContain('<h2>Something went wrong drawing this page</h2>')
    expect(html).not.toContain('secret detail')
  })
})

describe('GET /stats, refused', () => {
  test("an address it cannot show is a 400 page naming the problem in the API's words, never a 500", async () => {
    const cases: [string, string][] = [
      ['/stats?from=0001-01-01&to=0005-01-01', 'from: must not be before 1970-01-01'],
      ['/stats?from=0000-01-01&to=2026-01-01', 'from: must not be before 1970-01-01'],
      ['/stats/pages/posts/a/?from=0001-01-01&to=0005-01-01', 'from: must not be before 1970-01-01'],
      ['/stats/pages/posts/a/?from=0000-01-01&to=0000-12-31', 'from: must not be before 1970-01-01'],
      ['/stats?from=2026-03-01&to=2026-03-21', 'to: must not be after tomorrow'],
      ['/stats?from=2026-03-02&to=2026-03-01', 'from: must not be after to'],
      ['/stats/pages/%E0%A4%A', 'slug is not valid percent-encoded UTF-8'],
    ]
    for (const [path, expected] of cases) {
      const { response, html } = await page(path)
      expect([path, response.status]).toEqual([path, 400])
      expect(response.headers.get('content-type')).toBe('text/html; charset=UTF-8')
      expect(response.headers.get('content-security-policy')).toStartWith("default-src 'none'")
      expect(html).toStartWith('<!doctype html><html lang="en">')
      expect(html).toContain('<h2>This address asks for something the stats cannot show</h2>')
      expect([path, problem(html)]).toEqual([path, expect.stringContaining(expected)])
      expect(html).toContain('<a href="?range=30">Last 30 days</a> · <a href="/stats">All pages</a>')
    }
  })

  test('the problem is escaped: what the address said cannot become markup', async () => {
    const { response, html } = await page(`/stats?range=${encodeURIComponent('<img src=x onerror=alert(1)>')}`)
    expect(response.status).toBe(400)
    expect(problem(html)).toContain('&lt;img src=x onerror=alert(1)&gt;')
    const parsed = await elements(html)
    expect(parsed.tags).not.toContain('img')
    expect(parsed.fetching).toEqual([])
  })
})

describe('GET /stats, where readers came from', () => {
  const breakdownsFrom = (day: string) =>
    database.handle.db
      .insert(dailyBreakdowns)
      .values({ kind: 'referrer', value: 'Hacker News', slug: 'posts/a/', day, count: 10 })
  const note = (html: string) => html.match(/<p class="(?:note|empty)">Where readers came from: ([^<]*)<\/p>/)?.[1]

  test('a range with views before the first breakdown says since when, and its tables count from then', async () => {
    await seed()
    await breakdownsFrom('2026-03-15')
    const { html } = await page()
    expect(note(html)).toBe('since Mar 15, 2026.')
    // Of the range's 114 views, the 14 from Mar 15 on: 10 from Hacker News, 4 direct; the 100 of Feb 25 are in no table.
    const referrers = html.match(/id="referrers-heading"[\s\S]*?<\/table>/)?.[0] ?? ''
    expect(
      [...referrers.matchAll(/<td class="num">([^<]+)<\/td><td class="num muted">([^<]+)</g)].map((m) => m.slice(1)),
    ).toEqual([
      ['10', '71\u00a0%'],
      ['4', '29\u00a0%'],
    ])
    expect(note((await page('/stats?from=2026-03-15&to=2026-03-19')).html)).toBeUndefined()
    // Starting earlier without views before Mar 15 leaves nothing out: nothing to say.
    expect(note((await page('/stats?from=2026-03-01&to=2026-03-19')).html)).toBeUndefined()
    expect(note((await page('/stats/pages/posts/a/?range=30')).html)).toBe('since Mar 15, 2026.')
  })

  test('a range wholly before the first breakdown, or a site without any, shows a note and no tables', async () => {
    await seed()
    const none = await page()
    expect(note(none.html)).toBe('none recorded yet.')
    expect(none.html).not.toContain('id="referrers-heading"')
    await breakdownsFrom('2026-03-15')
    const before = await page('/stats?from=2026-02-20&to=2026-02-28')
    expect(note(before.html)).toBe('recorded only since Mar 15, 2026, after this range.')
    expect(before.html).not.toContain('id="referrers-heading"')
  })
})

describe('GET /stats, cached', () => {
  const cachedApp = () =>
    appOn(database.handle, { countingOptions: { ...everyView, clock: () => now }, readCacheMs: 60_000 })
  const load = async (app: ReturnType<typeof cachedApp>, path: string) => {
    const response = await app.request(path)
    expect([path, response.status]).toEqual([path, 200])
    return response.text()
  }

  test('a burst of page loads within the cache window runs the queries once', async () => {
    await seed()
    const db = database.handle.db
    const one = await queriesDuring(db, () => load(cachedApp(), '/stats?range=all'))
    expect(one).toBeGreaterThan(0)
    const app = cachedApp()
    let pages: string[] = []
    const burst = await queriesDuring(db, async () => {
      pages = await Promise.all(Array.from({ length: 10 }, () => load(app, '/stats?range=all')))
    })
    expect(burst).toBe(one)
    expect(new Set(pages).size).toBe(1)
    expect(await queriesDuring(db, () => load(app, '/stats?range=all'))).toBe(0)
    expect(await queriesDuring(db, () => load(app, '/stats/pages/posts/a/?range=all'))).toBeGreaterThan(0)
    expect(await queriesDuring(db, () => load(app, '/stats/pages/posts/a/?range=all'))).toBe(0)
  })

  test('the pages and /insights share one report per range, and a counted view renews it', async () => {
    await seed()
    const db = database.handle.db
    const app = cachedApp()
    await load(app, '/stats?range=7&top=10')
    expect(await queriesDuring(db, () => load(app, '/insights?range=7&top=10'))).toBe(0)
    await load(app, '/insights/pages/posts/a/?range=7')
    expect(await queriesDuring(db, () => load(app, '/stats/pages/posts/a/?range=7'))).toBe(0)
    expect(cards(await load(app, '/stats?range=7&top=10'))['Last 7 days']).toBe('14')
    await app.request('/views/posts/a/', { method: 'POST' })
    expect(cards(await load(app, '/stats?range=7&top=10'))['Last 7 days']).toBe('15')
  })
})

describe('GET /stats/pages/{slug}', () => {
  test("shows the page's title, link, total, range views and change, its chart and its own tables", async () => {
    await seed()
    await database.handle.db.insert(dailyViews).values({ slug: 'posts/a/', day: '2026-02-10', count: 50 })
    await database.handle.db.insert(dailyBreakdowns).values([
      { kind: 'referrer', value: 'Hacker News', slug: 'posts/a/', day: '2026-03-15', count: 10 },
      { kind: 'referrer', value: 'Google', slug: 'posts/b/', day: '2026-03-19', count: 1 },
    ])
    const site: Site = { url: 'https://blog.example/', pages: { page: () => ({ title: 'Hello' }) } }
    const response = await appWith(undefined, undefined, site).request('/stats/pages/posts/a/?range=30')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-security-policy')).toContain("form-action 'self'")
    const html = await response.text()
    expect(html).toContain('<title>Hello · Page views</title>')
    expect(html).toContain('<h1 class="page-title">Hello</h1>')
    expect(html).toContain('<p class="back"><a href="/stats?range=30">← All pages</a></p>')
    expect(html).toContain('posts/a/ · <a href="https://blog.example/posts/a/">Open the page</a>')
    expect(cards(html)).toEqual({ Total: '1,234', Today: '3', 'Last 30 days': '113' })
    expect(html).toContain('<dd>+126\u00a0%<span class="vs">vs previous 30 days</span></dd>')
    expect([...chart(html, 'range').matchAll(/class="bar"/g)]).toHaveLength(30)
    expect(html).toContain('Hacker News')
    expect(html).not.toContain('Google')
    expect(html).not.toContain('<h2 id="top-heading">')
  })

  test('a hostile slug is escaped in the heading and the title, and the page loads nothing', async () => {
    const hostile = `posts/<script>alert(1)</script>"'&<img src=x onerror=alert(2)>/`
    await database.handle.db.insert(views).values({ slug: hostile, count: 3 })
    await database.handle.db.insert(dailyViews).values({ slug: hostile, day: '2026-03-19', count: 3 })
    const path = `/stats/pages/${hostile.split('/').map(encodeURIComponent).join('/')}?range=7`
    const { response, html } = await page(path)
    expect(response.status).toBe(200)
    expect(html).toContain(
      '<h1 class="page-title">posts/&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&lt;img src=x onerror=alert(2)&gt;/</h1>',
    )
    expect(cards(html)).toEqual({ Total: '3', Today: '3', 'Last 7 days': '3' })
    const parsed = await elements(html)
    expect(parsed.tags).not.toContain('script')
    expect(parsed.tags).not.toContain('img')
    expect(parsed.fetching).toEqual([])
  })

  test('a bad slug or range is a 400; a wrong method is a 405; an unknown page shows zeros', async () => {
    expect((await page('/stats/pages/%E0%A4%A')).response.status).toBe(400)
    expect((await page('/stats/pages/a/?range=all&from=2026-01-01&to=2026-01-02')).response.status).toBe(400)
    const post = await page('/stats/pages/a/', { method: 'POST' })
    expect(post.response.status).toBe(405)
    expect(post.response.headers.get('allow')).toBe('GET, HEAD')
    const unknown = await page('/stats/pages/never/viewed/')
    expect(unknown.response.status).toBe(200)
    expect(cards(unknown.html)).toEqual({ Total: '0', Today: '0', 'Last 30 days': '0' })
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

  test('the page of one page needs the credential too', async () => {
    const app = appWith({ token })
    const refused = await app.request('/stats/pages/posts/a/')
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="view-counter stats"')
    const allowed = await app.request('/stats/pages/posts/a/', { headers: { Authorization: `Bearer ${token}` } })
    expect(allowed.status).toBe(200)
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
