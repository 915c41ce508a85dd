import { beforeEach, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import type { CountingOptions } from '../src/counting/counting.ts'
import { parsePageList } from '../src/counting/page-allowlist.ts'
import { rowsOf } from '../src/db/rows.ts'
import { dailyViews, recentVisits, views } from '../src/db/schema.ts'
import { appOn, everyView } from './support/app.ts'
import { useMigratedDatabase } from './support/database.ts'

const database = useMigratedDatabase()
let now: Date
beforeEach(async () => {
  now = new Date('2026-03-19T12:00:00Z')
  for (const table of [views, dailyViews, recentVisits]) await database.handle.db.delete(table)
})

const appWith = (overrides: Partial<CountingOptions> = {}) =>
  appOn(database.handle, { countingOptions: { ...everyView, clock: () => now, ...overrides } })
const post = (app: ReturnType<typeof appWith>, path: string) =>
  app.request(`/views/${path}`, {
    method: 'POST',
    headers: {
      'User-Agent': 'Mozilla/5.0 Firefox/140.0',
      'X-Forwarded-For': `192.0.2.${Math.floor(Math.random() * 250)}`,
    },
  })
const daily = () => database.handle.db.select().from(dailyViews).orderBy(dailyViews.day, dailyViews.slug)

describe('daily history', () => {
  test('each counted view adds to its day, in the same statement as the total', async () => {
    const app = appWith()
    await post(app, 'posts/a/')
    await post(app, 'posts/a/')
    now = new Date('2026-03-20T08:00:00Z')
    await post(app, 'posts/a/')
    expect(await daily()).toEqual([
      { slug: 'posts/a/', day: '2026-03-19', count: 2 },
      { slug: 'posts/a/', day: '2026-03-20', count: 1 },
    ])
    const [total] = rowsOf(await database.handle.db.execute(sql`select count from views`))
    expect(Number((total as { count: number }).count)).toBe(3)
  })

  test('days follow TIME_ZONE: 23:30 UTC is already tomorrow in Athens', async () => {
    now = new Date('2026-03-19T23:30:00Z')
    await post(appWith({ timeZone: 'Europe/Athens' }), 'posts/tz/')
    expect((await daily())[0]!.day).toBe('2026-03-20')
  })

  test('views that do not count leave the history alone', async () => {
    const app = appWith({
      mode: 'readers',
      trailingSlash: 'add',
      repeatWindowMinutes: 30,
      ratePerMinute: 0,
      clientIpHeader: 'none',
    })
    for (let i = 0; i < 3; i++)
      await app.request('/views/posts/r/', { method: 'POST', headers: { 'User-Agent': 'Mozilla/5.0 Firefox/140.0' } })
    await app.request('/views/posts/r/', { method: 'POST', headers: { 'User-Agent': 'Googlebot/2.1' } })
    expect(await daily()).toEqual([{ slug: 'posts/r/', day: '2026-03-19', count: 1 }])
  })

  test('GET /views/{slug}?days=N adds every day of the range, oldest first, zeros included', async () => {
    const app = appWith()
    now = new Date('2026-03-17T12:00:00Z')
    await post(app, 'posts/d/')
    now = new Date('2026-03-19T12:00:00Z')
    await post(app, 'posts/d/')
    await post(app, 'posts/d/')
    expect(await (await app.request('/views/posts/d/?days=4')).json()).toEqual({
      slug: 'posts/d/',
      count: 3,
      daily: [
        { day: '2026-03-16', count: 0 },
        { day: '2026-03-17', count: 1 },
        { day: '2026-03-18', count: 0 },
        { day: '2026-03-19', count: 2 },
      ],
    })
    expect(await (await app.request('/views/posts/d/')).json()).toEqual({ slug: 'posts/d/', count: 3 })
  })

  test('a bad days value is a 400 naming it', async () => {
    for (const value of ['0', '367', 'abc', '1.5']) {
      const response = await appWith().request(`/views/posts/d/?days=${value}`)
      expect(response.status).toBe(400)
      expect((await response.json()).error).toStartWith('days:')
    }
  })

  test('GET /summary: total, today, last 7 and 30 days, and the top posts', async () => {
    const app = appWith()
    await database.handle.db.insert(views).values({ slug: 'posts/old/', count: 1000 })
    now = new Date('2026-02-01T12:00:00Z')
    await post(app, 'posts/b/')
    now = new Date('2026-03-12T12:00:00Z')
    await post(app, 'posts/b/')
    now = new Date('2026-03-19T12:00:00Z')
    await post(app, 'posts/a/')
    await post(app, 'posts/a/')
    expect(await (await app.request('/summary?top=2')).json()).toEqual({
      total: 1004,
      today: 2,
      last7Days: 2,
      last30Days: 3,
      top: [
        { slug: 'posts/old/', count: 1000, last30Days: 0, title: null, url: null },
        { slug: 'posts/a/', count: 2, last30Days: 2, title: null, url: null },
      ],
    })
  })

  test("GET /summary: each top page carries its title from the site's page list and its link on the site", async () => {
    await database.handle.db.insert(views).values([
      { slug: 'posts/a/', count: 9 },
      { slug: 'posts/καλημέρα/', count: 5 },
      { slug: 'posts/gone/', count: 1 },
    ])
    const pageList = parsePageList(
      [
        { path: '/posts/a/', title: 'Hello, world', lang: 'en', date: '2026-03-01' },
        { path: '/posts/καλημέρα/', title: 'Καλημέρα', lang: 'el', date: '2026-03-02' },
      ],
      'add',
    )
    const app = appOn(database.handle, {
      countingOptions: { ...everyView, clock: () => now },
      site: { url: 'https://blog.example/', pages: { page: (slug) => pageList.get(slug) } },
    })
    const { top } = (await (await app.request('/summary')).json()) as { top: unknown[] }
    expect(top).toEqual([
      { slug: 'posts/a/', count: 9, last30Days: 0, title: 'Hello, world', url: 'https://blog.example/posts/a/' },
      {
        slug: 'posts/καλημέρα/',
        count: 5,
        last30Days: 0,
        title: 'Καλημέρα',
        url: 'https://blog.example/posts/%CE%BA%CE%B1%CE%BB%CE%B7%CE%BC%CE%AD%CF%81%CE%B1/',
      },
      { slug: 'posts/gone/', count: 1, last30Days: 0, title: null, url: 'https://blog.example/posts/gone/' },
    ])
    // /views stays the reference's: no titles there.
    expect(await (await app.request('/views')).json()).toEqual([
      { slug: 'posts/a/', count: 9 },
      { slug: 'posts/καλημέρα/', count: 5 },
      { slug: 'posts/gone/', count: 1 },
    ])
  })

  test('an empty site has an all-zero summary', async () => {
    expect(await (await appWith().request('/summary')).json()).toEqual({
      total: 0,
      today: 0,
      last7Days: 0,
      last30Days: 0,
      top: [],
    })
  })
})
