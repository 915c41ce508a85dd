import { beforeEach, describe, expect, test } from 'bun:test'
import { dailyBreakdowns, dailyViews, views } from '../../src/db/schema.ts'
import type { Site } from '../../src/http/site-pages.ts'
import type { StatsCredentials } from '../../src/http/stats-access.ts'
import { appOn, everyView, readerViews } from '../support/app.ts'
import { useMigratedDatabase } from '../support/database.ts'
import { queriesDuring } from '../support/queries.ts'

const database = useMigratedDatabase()
beforeEach(async () => {
  for (const table of [views, dailyViews, dailyBreakdowns]) await database.handle.db.delete(table)
})

const now = new Date('2026-03-19T12:00:00Z')
const appWith = ({ credentials, site }: { credentials?: StatsCredentials; site?: Site } = {}) =>
  appOn(database.handle, {
    countingOptions: { ...everyView, clock: () => now },
    statsCredentials: credentials,
    readCacheMs: 0,
    site,
  })
const get = async (path: string, init?: RequestInit) => {
  const response = await appWith().request(path, init)
  return { response, body: await response.json() }
}

// In the default range (Feb 18 – Mar 19): posts/a/ 40, posts/b/ 10. In the 30 days before: posts/a/ 20, posts/c/ 5.
async function seed() {
  await database.handle.db.insert(views).values([
    { slug: 'posts/a/', count: 1060 },
    { slug: 'posts/b/', count: 10 },
    { slug: 'posts/c/', count: 5 },
  ])
  await database.handle.db.insert(dailyViews).values([
    { slug: 'posts/a/', day: '2026-03-19', count: 30 },
    { slug: 'posts/a/', day: '2026-02-18', count: 10 },
    { slug: 'posts/b/', day: '2026-03-01', count: 10 },
    { slug: 'posts/a/', day: '2026-02-17', count: 20 },
    { slug: 'posts/c/', day: '2026-01-19', count: 5 },
    { slug: 'posts/a/', day: '2025-01-01', count: 1000 },
  ])
}

const breakdown = (kind: string, value: string, count: number, slug = 'posts/a/', day = '2026-03-19') => ({
  kind,
  value,
  count,
  slug,
  day,
})

describe('GET /insights', () => {
  test('the default range is the last 30 days, with the 30 before as the previous period and the change', async () => {
    await seed()
    const { response, body } = await get('/insights')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(body.range).toEqual({ from: '2026-02-18', to: '2026-03-19', days: 30 })
    expect(body.previous).toEqual({ from: '2026-01-19', to: '2026-02-17', views: 25 })
    expect(body.views).toBe(50)
    expect(body.change).toBe(1)
    expect(body.daily).toHaveLength(30)
    expect(body.daily[0]).toEqual({ day: '2026-02-18', count: 10 })
    expect(body.daily.at(-1)).toEqual({ day: '2026-03-19', count: 30 })
    expect(body.breakdownsSince).toBeNull()
    expect(body.pages).toEqual([
      { slug: 'posts/a/', title: null, url: null, count: 40, previous: 20 },
      { slug: 'posts/b/', title: null, url: null, count: 10, previous: 0 },
    ])
    expect(Object.keys(body)).toEqual([
      'range',
      'previous',
      'views',
      'change',
      'daily',
      'breakdownsSince',
      'pages',
      'referrers',
      'sources',
      'campaigns',
      'countries',
      'browsers',
      'systems',
      'devices',
      'screens',
    ])
  })

  test('each preset ends today and spans its days; all starts on the first day with views and has no previous period', async () => {
    await seed()
    for (const [range, from] of [
      ['7', '2026-03-13'],
      ['30', '2026-02-18'],
      ['90', '2025-12-20'],
      ['365', '2025-03-20'],
    ] as const) {
      const { body } = await get(`/insights?range=${range}`)
      expect(body.range).toEqual({ from, to: '2026-03-19', days: Number(range) })
      expect(body.daily).toHaveLength(Number(range))
      expect(body.previous.to).toBe(new Date(Date.parse(from) - 86_400_000).toISOString().slice(0, 10))
    }
    const all = (await get('/insights?range=all')).body
    expect(all.range).toEqual({ from: '2025-01-01', to: '2026-03-19', days: 443 })
    expect(all.previous).toBeNull()
    expect(all.change).toBeNull()
    expect(all.views).toBe(1075)
    expect(all.pages[0]).toEqual({ slug: 'posts/a/', title: null, url: null, count: 1060, previous: null })
  })

  test('from–to is taken as asked, both days included, the previous period the same length right before', async () => {
    await seed()
    const { body } = await get('/insights?from=2026-02-17&to=2026-02-18')
    expect(body.range).toEqual({ from: '2026-02-17', to: '2026-02-18', days: 2 })
    expect(body.previous).toEqual({ from: '2026-02-15', to: '2026-02-16', views: 0 })
    expect(body.views).toBe(30)
    expect(body.change).toBeNull()
    expect(body.daily).toEqual([
      { day: '2026-02-17', count: 20 },
      { day: '2026-02-18', count: 10 },
    ])
    expect((await get('/insights?from=2026-03-20&to=2026-03-20')).response.status).toBe(200)
  })

  test('a bad range is a 400 naming what is wrong', async () => {
    const cases: [string, string][] = [
      ['range=14', 'range:'],
      ['from=2026-03-01', 'to: from and to go together'],
      ['to=2026-03-01', 'from: from and to go together'],
      ['from=2026-03-02&to=2026-03-01', 'from: must not be after to'],
      ['from=2026-02-30&to=2026-03-01', 'from: no such day'],
      ['from=1.3.2026&to=2026-03-01', 'from: expected a day as YYYY-MM-DD'],
      ['from=2016-01-01&to=2026-03-01', 'to: a range spans at most 3700 days'],
      // Its previous period would begin in year -4, which neither toISOString nor PostgreSQL can spell.
      ['from=0001-01-01&to=0005-01-01', 'from: must not be before 1970-01-01'],
      // PostgreSQL has no year 0.
      ['from=0000-01-01&to=0000-12-31', 'from: must not be before 1970-01-01'],
      ['from=1969-12-31&to=1970-01-01', 'from: must not be before 1970-01-01'],
      ['from=1970-01-01&to=0000-01-01', 'to: must not be before 1970-01-01'],
      ['from=2026-03-01&to=2026-03-21', 'to: must not be after tomorrow'],
      ['range=7&from=2026-03-01&to=2026-03-02', 'range: give either range or from and to'],
      ['top=0', 'top:'],
    ]
    for (const [query, error] of cases) {
      for (const path of ['/insights', '/insights/pages/posts/a/']) {
        const { response, body } = await get(`${path}?${query}`)
        expect([path, query, response.status]).toEqual([path, query, 400])
        expect(body.error).toStartWith(error)
      }
    }
  })

  test('a range may start on 1970-01-01, its previous period before it', async () => {
    await seed()
    const { response, body } = await get('/insights?from=1970-01-01&to=1970-01-10')
    expect(response.status).toBe(200)
    expect(body.range).toEqual({ from: '1970-01-01', to: '1970-01-10', days: 10 })
    expect(body.previous).toEqual({ from: '1969-12-22', to: '1969-12-31', views: 0 })
    expect(body.views).toBe(0)
    const longest = await get('/insights/pages/posts/a/?from=1970-01-01&to=1980-02-17')
    expect(longest.response.status).toBe(200)
    expect(longest.body.previous.from).toBe('1959-11-15')
  })

  test('each kind lists its top values, the rest as (other) and views without one as null, adding up to the views', async () => {
    await seed()
    await database.handle.db
      .insert(dailyBreakdowns)
      .values([
        breakdown('referrer', 'Hacker News', 12),
        breakdown('referrer', 'Google', 8, 'posts/b/', '2026-03-01'),
        breakdown('referrer', 'example.org', 3),
        breakdown('referrer', '(other)', 2),
        breakdown('referrer', 'Google', 99, 'posts/a/', '2026-02-17'),
        breakdown('country', 'GR', 30),
        breakdown('country', 'T1', 20),
        breakdown('device', 'phone', 50),
      ])
    const { body } = await get('/insights?top=2')
    expect(body.referrers).toEqual([
      { value: 'Hacker News', count: 12 },
      { value: 'Google', count: 8 },
      { value: '(other)', count: 5 },
      { value: null, count: 25 },
    ])
    expect(body.countries).toEqual([
      { value: 'GR', name: 'Greece', count: 30 },
      { value: 'T1', name: 'Tor', count: 20 },
    ])
    expect(body.devices).toEqual([{ value: 'phone', count: 50 }])
    expect(body.browsers).toEqual([{ value: null, count: 50 }])
    for (const key of ['referrers', 'countries', 'devices', 'browsers', 'screens'])
      expect(body[key].reduce((sum: number, row: { count: number }) => sum + row.count, 0)).toBe(50)
  })

  test('a range without views has zeros, every day and empty tables', async () => {
    const { body } = await get('/insights?range=7')
    expect(body.views).toBe(0)
    expect(body.daily.map((day: { count: number }) => day.count)).toEqual([0, 0, 0, 0, 0, 0, 0])
    expect(body.pages).toEqual([])
    expect(body.referrers).toEqual([])
    expect((await get('/insights?range=all')).body.range).toEqual({ from: '2026-03-19', to: '2026-03-19', days: 1 })
  })

  test('pages carry their title and link from the page list and SITE_URL', async () => {
    await seed()
    const titles = new Map([['posts/a/', { title: 'Hello, <world>' }]])
    const site: Site = { url: 'https://blog.example/', pages: { page: (slug) => titles.get(slug) } }
    const body = await (await appWith({ site }).request('/insights')).json()
    expect(body.pages[0]).toEqual({
      slug: 'posts/a/',
      title: 'Hello, <world>',
      url: 'https://blog.example/posts/a/',
      count: 40,
      previous: 20,
    })
  })
})

describe('GET /insights/pages/{slug}', () => {
  test('restricts every figure to the page, and adds its title, link and total', async () => {
    await seed()
    await database.handle.db
      .insert(dailyBreakdowns)
      .values([
        breakdown('referrer', 'Hacker News', 12),
        breakdown('referrer', 'Google', 8, 'posts/b/', '2026-03-01'),
        breakdown('screen', 's', 30),
      ])
    const site: Site = { url: 'https://blog.example/', pages: { page: () => ({ title: 'A' }) } }
    const body = await (await appWith({ site }).request('/insights/pages/posts/a/?range=30')).json()
    expect(body).toMatchObject({
      slug: 'posts/a/',
      title: 'A',
      url: 'https://blog.example/posts/a/',
      total: 1060,
      range: { from: '2026-02-18', to: '2026-03-19', days: 30 },
      previous: { from: '2026-01-19', to: '2026-02-17', views: 20 },
      views: 40,
      change: 1,
      breakdownsSince: '2026-03-01',
    })
    expect(body.pages).toBeUndefined()
    // The site's breakdowns begin on Mar 1: the page's 10 views of Feb 18 are in no table.
    expect(body.referrers).toEqual([
      { value: 'Hacker News', count: 12 },
      { value: null, count: 18 },
    ])
    expect(body.screens).toEqual([{ value: 's', count: 30 }])
    const all = await (await appWith().request('/insights/pages/posts/c/?range=all')).json()
    expect(all.range).toEqual({ from: '2026-01-19', to: '2026-03-19', days: 60 })
  })

  test('reads the slug like /views/{slug}: encoded segments decoded once, a bad one is a 400', async () => {
    const hostile = 'posts/<script>alert(1)</script>/'
    await database.handle.db.insert(views).values({ slug: hostile, count: 3 })
    const { body } = await get(`/insights/pages/${hostile.split('/').map(encodeURIComponent).join('/')}`)
    expect(body.slug).toBe(hostile)
    expect(body.total).toBe(3)
    expect(body.views).toBe(0)
    expect((await get('/insights/pages/a%2Fb%2525')).body.slug).toBe('a/b%25')
    expect((await get('/insights/pages/%E0%A4%A')).response.status).toBe(400)
    expect((await get('/insights/pages/posts/%00/')).response.status).toBe(400)
  })
})

describe('breakdownsSince', () => {
  const listTotals = (body: Record<string, { count: number }[]>) =>
    ['referrers', 'sources', 'campaigns', 'countries', 'browsers', 'systems', 'devices', 'screens'].map((key) =>
      body[key]!.reduce((sum, row) => sum + row.count, 0),
    )

  test('is the first day with any breakdown; views of days before it are in no list, not "no referrer"', async () => {
    await seed()
    await database.handle.db
      .insert(dailyBreakdowns)
      .values([
        breakdown('referrer', 'Google', 4, 'posts/b/', '2026-03-01'),
        breakdown('referrer', 'Hacker News', 5),
        breakdown('device', 'phone', 30),
      ])
    // Feb 18 – Mar 19: 10 views on Feb 18, before breakdowns began, and 40 from Mar 1.
    const { body } = await get('/insights')
    expect(body.views).toBe(50)
    expect(body.breakdownsSince).toBe('2026-03-01')
    expect(body.referrers).toEqual([
      { value: 'Hacker News', count: 5 },
      { value: 'Google', count: 4 },
      { value: null, count: 31 },
    ])
    expect(body.devices).toEqual([
      { value: 'phone', count: 30 },
      { value: null, count: 10 },
    ])
    expect(body.campaigns).toEqual([{ value: null, count: 40 }])
    expect(listTotals(body)).toEqual(Array(8).fill(40))
    const page = (await get('/insights/pages/posts/a/')).body
    expect(page.breakdownsSince).toBe('2026-03-01')
    expect(page.referrers).toEqual([
      { value: 'Hacker News', count: 5 },
      { value: null, count: 25 },
    ])
    const before = (await get('/insights?from=2026-02-17&to=2026-02-18')).body
    expect(before.views).toBe(30)
    expect(before.breakdownsSince).toBe('2026-03-01')
    expect(listTotals(before)).toEqual(Array(8).fill(0))
    const from = (await get('/insights?from=2026-03-01&to=2026-03-19')).body
    expect(listTotals(from)).toEqual(Array(8).fill(from.views))
  })

  test('is null when no breakdown is kept (COUNT_MODE=every), and then no view reads as direct', async () => {
    const app = appWith()
    const counted = await app.request('/views/posts/a/?ref=news.ycombinator.com&screen=s', { method: 'POST' })
    expect(await counted.json()).toEqual({ slug: 'posts/a/', count: 1 })
    const body = await (await app.request('/insights?range=7')).json()
    expect(body.views).toBe(1)
    expect(body.breakdownsSince).toBeNull()
    expect(listTotals(body)).toEqual(Array(8).fill(0))
  })
})

describe('insights of views counted through POST /views/{slug}', () => {
  test('a referrer, a screen, a country, a campaign and the browser read back per page and site-wide', async () => {
    const app = appOn(database.handle, {
      countingOptions: { ...readerViews, countryHeader: 'cf-ipcountry', clock: () => now },
      readCacheMs: 0,
    })
    const iphone =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1'
    const views: [string, string][] = [
      ['ref=news.ycombinator.com&screen=s', 'GR'],
      ['ref=www.example.org&screen=s&utm_campaign=Launch', 'GR'],
      ['screen=xl', 'T1'],
    ]
    for (const [i, [query, country]] of views.entries()) {
      const headers = { 'User-Agent': iphone, 'X-Forwarded-For': `203.0.113.${i + 1}`, 'CF-IPCountry': country }
      const response = await app.request(`/views/posts/a/?${query}`, { method: 'POST', headers })
      expect(await response.json()).toMatchObject({ counted: true })
    }
    const page = await (await app.request('/insights/pages/posts/a/?range=7')).json()
    expect(page.views).toBe(3)
    expect(page.total).toBe(3)
    expect(page.referrers).toEqual([
      { value: 'Hacker News', count: 1 },
      { value: 'example.org', count: 1 },
      { value: null, count: 1 },
    ])
    expect(page.screens).toEqual([
      { value: 's', count: 2 },
      { value: 'xl', count: 1 },
    ])
    expect(page.countries).toEqual([
      { value: 'GR', name: 'Greece', count: 2 },
      { value: 'T1', name: 'Tor', count: 1 },
    ])
    expect(page.campaigns).toEqual([
      { value: 'launch', count: 1 },
      { value: null, count: 2 },
    ])
    expect(page.devices).toEqual([{ value: 'phone', count: 3 }])
    expect(page.browsers).toEqual([{ value: 'Safari', count: 3 }])
    expect(page.systems).toEqual([{ value: 'iOS', count: 3 }])
    const site = await (await app.request('/insights?range=7')).json()
    expect(site.pages).toEqual([{ slug: 'posts/a/', title: null, url: null, count: 3, previous: 0 }])
    expect(site.referrers).toEqual(page.referrers)
  })
})

describe('insights, cached and guarded', () => {
  test('answers carry an ETag and a matching If-None-Match is a 304 without a body', async () => {
    await seed()
    const app = appWith()
    const first = await app.request('/insights?range=7')
    const etag = first.headers.get('etag')!
    expect(etag).toMatch(/^W\/"/)
    expect(first.headers.get('cache-control')).toBe('private, no-cache')
    const again = await app.request('/insights?range=7', { headers: { 'If-None-Match': etag } })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
    const page = await app.request('/insights/pages/posts/a/', { headers: { 'If-None-Match': etag } })
    expect(page.status).toBe(200)
  })

  test('a range is served from the read cache until a view is counted', async () => {
    await seed()
    const app = appOn(database.handle, { countingOptions: { ...everyView, clock: () => now }, readCacheMs: 60_000 })
    const views = async () => (await (await app.request('/insights?range=7')).json()).views
    expect(await views()).toBe(30)
    await database.handle.db.insert(dailyViews).values({ slug: 'posts/z/', day: '2026-03-18', count: 5 })
    expect(await views()).toBe(30)
    await app.request('/views/posts/z/', { method: 'POST' })
    expect(await views()).toBe(36)
  })

  test('with stats credentials, both are 401 without one and 200 with it', async () => {
    const token = 'sixteen-chars-at-least.0123'
    const app = appWith({ credentials: { token } })
    for (const path of ['/insights', '/insights/pages/posts/a/']) {
      const refused = await app.request(path)
      expect(refused.status).toBe(401)
      expect(await refused.json()).toEqual({ error: 'unauthorized' })
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="view-counter stats"')
      expect((await app.request(path, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200)
    }
  })

  test('a method other than GET or HEAD is a 405 naming them', async () => {
    for (const path of ['/insights', '/insights/pages/posts/a/']) {
      const response = await appWith().request(path, { method: 'POST' })
      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBe('GET, HEAD')
    }
    expect((await appWith().request('/insights', { method: 'HEAD' })).status).toBe(200)
  })

  test('a report costs the same few queries however many pages and values it lists', async () => {
    const db = database.handle.db
    const queriesFor = () =>
      queriesDuring(db, async () => expect((await appWith().request('/insights?range=all&top=100')).status).toBe(200))
    await seed()
    const few = await queriesFor()
    const slugs = Array.from({ length: 60 }, (_, i) => `posts/${i}/`)
    await db.insert(dailyViews).values(slugs.map((slug) => ({ slug, day: '2026-03-10', count: 1 })))
    await db.insert(dailyBreakdowns).values(slugs.map((slug) => breakdown('referrer', slug, 1, slug, '2026-03-10')))
    expect(await queriesFor()).toBe(few)
    // The first day (for all), the days, the values, the first day with breakdowns and the pages.
    expect(few).toBe(5)
  })

  test('answers 503 while the database is not ready', async () => {
    const app = appOn(database.handle, { isReady: () => false })
    expect((await app.request('/insights')).status).toBe(503)
  })
})
