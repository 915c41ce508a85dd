import { beforeEach, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import type { CountingOptions } from '../../src/counting/counting.ts'
import { appOn, everyView, readerViews } from '../support/app.ts'
import { useMigratedDatabase } from '../support/database.ts'
import { breakdownRows, breakdownTotals, emptyTables } from '../support/tables.ts'

const database = useMigratedDatabase()
const db = () => database.handle.db
beforeEach(async () => {
  await emptyTables(db())
  await db().execute(sql`delete from recent_visits`)
})

const iPhone =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1'
const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0'
const withCountry: CountingOptions = { ...readerViews, countryHeader: 'cf-ipcountry' }

function poster(countingOptions: CountingOptions) {
  const app = appOn(database.handle, { countingOptions, readCacheMs: 0 })
  return async (path: string, { address = '192.0.2.1', ua = iPhone, country = 'gr' } = {}) => {
    const response = await app.request(path, {
      method: 'POST',
      headers: { 'User-Agent': ua, 'X-Forwarded-For': address, 'CF-IPCountry': country },
    })
    expect(response.status).toBe(200)
    return (await response.json()) as { counted?: boolean }
  }
}

describe('a counted view adds to the day’s breakdowns', () => {
  test('its referrer, campaign, country, browser, OS, device and screen, one row each on its page', async () => {
    const post = poster(withCountry)
    const body = await post(
      '/views/posts/a/?ref=https%3A%2F%2Fnews.ycombinator.com%2Fitem%3Fid%3D1&utm_source=Newsletter&utm_campaign=%20Spring%20&screen=s',
    )
    expect(body.counted).toBe(true)
    const rows = await breakdownRows(db())
    expect(rows.map(({ kind, value, slug, count }) => [kind, value, slug, count])).toEqual([
      ['browser', 'Safari', 'posts/a/', '1'],
      ['campaign', 'spring', 'posts/a/', '1'],
      ['country', 'GR', 'posts/a/', '1'],
      ['device', 'phone', 'posts/a/', '1'],
      ['os', 'iOS', 'posts/a/', '1'],
      ['referrer', 'Hacker News', 'posts/a/', '1'],
      ['screen', 's', 'posts/a/', '1'],
      ['source', 'newsletter', 'posts/a/', '1'],
    ])
    expect(new Set(rows.map((row) => row.day)).size).toBe(1)
  })

  test('views of one batch and of later batches add up per value and page', async () => {
    const post = poster(withCountry)
    await Promise.all([
      post('/views/posts/a/?ref=lobste.rs', { address: '192.0.2.1' }),
      post('/views/posts/a/?ref=lobste.rs', { address: '192.0.2.2', ua: firefox }),
      post('/views/posts/b/?ref=lobste.rs', { address: '192.0.2.3' }),
    ])
    await post('/views/posts/a/?ref=example.org', { address: '192.0.2.4', country: 'de' })
    const totals = await breakdownTotals(db())
    expect(totals.referrer).toEqual({ Lobsters: 3, 'example.org': 1 })
    expect(totals.country).toEqual({ GR: 3, DE: 1 })
    expect(totals.browser).toEqual({ Safari: 3, Firefox: 1 })
    expect(totals.device).toEqual({ phone: 3, desktop: 1 })
  })

  test('without a repeat window (REPEAT_WINDOW_MINUTES=0) too', async () => {
    const post = poster({ ...withCountry, repeatWindowMinutes: 0 })
    await post('/views/posts/a/?ref=github.com&screen=xl')
    await post('/views/posts/a/?ref=github.com&screen=xl')
    expect((await breakdownTotals(db())).referrer).toEqual({ GitHub: 2 })
    expect((await breakdownTotals(db())).screen).toEqual({ xl: 2 })
  })

  test('an invalid value is dropped and the view still counts', async () => {
    const post = poster(withCountry)
    const long = 'x'.repeat(65)
    const body = await post(
      `/views/posts/a/?ref=not%20a%20host&utm_source=${long}&utm_campaign=a%07b&screen=xxl&ref=twice`,
      { country: 'XX' },
    )
    expect(body.counted).toBe(true)
    expect(Object.keys(await breakdownTotals(db())).sort()).toEqual(['browser', 'device', 'os'])
  })

  test("a referral from the site's own hosts is none", async () => {
    const post = poster(withCountry)
    await post('/views/posts/a/?ref=https%3A%2F%2Fwww.uclab.dev%2Fposts%2Fb%2F')
    await post('/views/posts/b/?ref=localhost%3A1313')
    expect((await breakdownTotals(db())).referrer).toBeUndefined()
  })

  test('the country header is read only when COUNTRY_HEADER names it; T1 (Tor) is kept', async () => {
    await poster(readerViews)('/views/posts/a/', { country: 'GR' })
    expect((await breakdownTotals(db())).country).toBeUndefined()
    await poster(withCountry)('/views/posts/b/', { country: 't1' })
    expect((await breakdownTotals(db())).country).toEqual({ T1: 1 })
  })

  test('COUNT_MODE=every, the reference’s compatibility mode, adds no breakdowns', async () => {
    const app = appOn(database.handle, { countingOptions: { ...everyView, countryHeader: 'cf-ipcountry' } })
    const response = await app.request('/views/posts/a/?ref=github.com&screen=s', {
      method: 'POST',
      headers: { 'User-Agent': iPhone, 'CF-IPCountry': 'GR' },
    })
    expect(await response.json()).toEqual({ slug: 'posts/a/', count: 1 })
    expect(await breakdownRows(db())).toEqual([])
  })
})
