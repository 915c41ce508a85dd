import { beforeEach, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { OTHER_VALUE } from '../src/counting/breakdowns.ts'
import type { CountingOptions } from '../src/counting/counting.ts'
import { pageAllowlist } from '../src/counting/page-allowlist.ts'
import { keepForgettingVisitors } from '../src/counting/visitor-janitor.ts'
import { visitorKeys } from '../src/counting/visitors.ts'
import { rowsOf } from '../src/db/rows.ts'
import { appOn, quietLog, readerViews } from './support/app.ts'
import { useMigratedDatabase } from './support/database.ts'
import { breakdownRows, breakdownTotals, emptyTables, pageKindTotals, tableSnapshot } from './support/tables.ts'

// Issue 15's promise, checked against what is actually stored: aggregates only, nothing of a reader.
const database = useMigratedDatabase()
const db = () => database.handle.db
const secret = 'a-privacy-test-secret-that-is-long-enough'
const now = new Date('2026-11-30T12:00:00Z')

beforeEach(async () => {
  await emptyTables(db())
  await db().execute(sql`delete from recent_visits`)
})

const options: CountingOptions = {
  ...readerViews,
  visitorHashSecret: secret,
  clock: () => now,
  countryHeader: 'cf-ipcountry',
  ignoreAddresses: ['198.51.100.99'],
  ratePerMinute: 2,
  pages: pageAllowlist({ pattern: /^posts\//, refreshSeconds: 600, trailingSlash: 'add', log: quietLog }),
}
const app = () => appOn(database.handle, { countingOptions: options, readCacheMs: 0 })

const ua =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.85 Safari/537.36 ProbeShell/9.3.1-zq'
const address = '203.0.113.77'
const referrer = 'https://news.ycombinator.com/item?id=123'
const query = `ref=${encodeURIComponent(referrer)}&utm_source=Probe-Source&utm_campaign=Probe-Campaign&screen=l`

function post(target: ReturnType<typeof app>, path: string, headers: { ip?: string; ua?: string } = {}) {
  return target.request(`/views/${path}`, {
    method: 'POST',
    headers: { 'User-Agent': headers.ua ?? ua, 'X-Forwarded-For': headers.ip ?? address, 'CF-IPCountry': 'GR' },
  })
}

/** Every row of every table in the public schema, as text: a table added later is read too. */
async function everyStoredRow(): Promise<string[]> {
  const tables = rowsOf<{ name: string }>(
    await db().execute(
      sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
    ),
  )
  expect(tables.map((t) => t.name)).toContain('daily_breakdowns')
  const rows: string[] = []
  for (const { name } of tables) {
    const quoted = `"${name.replaceAll('"', '""')}"`
    const result = await db().execute(sql.raw(`select t::text as row from public.${quoted} t`))
    rows.push(...rowsOf<{ row: string }>(result).map((r) => `${name}: ${r.row}`))
  }
  return rows
}

describe('what a counted view leaves in the database', () => {
  test('a referrer that is an address (a feed reader at home) is no referrer: the address is not kept', async () => {
    const target = app()
    for (const [i, ref] of ['http://198.51.100.23/feed', 'http://[2001:db8::23]/'].entries())
      expect(await (await post(target, `posts/p${i}/?ref=${encodeURIComponent(ref)}`)).json()).toMatchObject({
        counted: true,
      })
    const text = (await everyStoredRow()).join('\n')
    expect(text).not.toContain('198.51.100.23')
    expect(text).not.toContain('2001:db8')
    expect((await breakdownTotals(db())).referrer).toBeUndefined()
  })

  test('aggregates only: no address, User-Agent, referring URL or path; recent_visits holds keyed hashes', async () => {
    const target = app()
    expect(await (await post(target, `posts/private/?${query}`)).json()).toMatchObject({ counted: true })
    const stored = await everyStoredRow()
    const text = stored.join('\n')
    for (const secretish of [
      address,
      '203.0.113',
      ua,
      'ProbeShell',
      '6778',
      referrer,
      'item?id=123',
      'id=123',
      '/item',
    ])
      expect([secretish, text.includes(secretish)]).toEqual([secretish, false])
    // What is there: the page's counts and these values, each a family, a class, a code or a group.
    expect(await breakdownTotals(db())).toEqual({
      referrer: { 'Hacker News': 1 },
      source: { 'probe-source': 1 },
      campaign: { 'probe-campaign': 1 },
      country: { GR: 1 },
      browser: { Chrome: 1 },
      os: { Linux: 1 },
      device: { desktop: 1 },
      screen: { l: 1 },
    })
    const keys = visitorKeys(secret).of(now, address, ua, 'posts/private/')
    const visits = rowsOf<{ visitor: string }>(await db().execute(sql`select visitor from recent_visits`))
    expect(visits).toEqual([{ visitor: keys.current }])
    expect(keys.current).toMatch(/^[A-Za-z0-9_-]{27}$/)
  })

  test('a bot, a repeat, an ignored address, a rate-limited reader and an unknown page change no aggregate', async () => {
    const target = app()
    expect(await (await post(target, `posts/a/?${query}`)).json()).toMatchObject({ counted: true })
    // A reader who has used up the rate limit (two views a minute here).
    for (const page of ['posts/b/', 'posts/c/'])
      expect((await post(target, `${page}?ref=lobste.rs`, { ip: '192.0.2.50' })).status).toBe(200)
    const before = { breakdowns: await breakdownRows(db()), tables: await tableSnapshot(db()) }
    expect(before.breakdowns.length).toBeGreaterThan(8)

    const refused = [
      ['repeat', await post(target, `posts/a/?ref=github.com&utm_source=again`)],
      ['bot', await post(target, `posts/a/?ref=github.com`, { ip: '192.0.2.60', ua: 'Googlebot/2.1' })],
      ['ignored', await post(target, `posts/a/?ref=github.com`, { ip: '198.51.100.99' })],
      ['rate-limited', await post(target, `posts/d/?ref=github.com`, { ip: '192.0.2.50' })],
      ['unknown page', await post(target, `drafts/x/?ref=github.com`, { ip: '192.0.2.70' })],
    ] as const
    expect(refused.map(([name, response]) => [name, response.status])).toEqual([
      ['repeat', 200],
      ['bot', 200],
      ['ignored', 200],
      ['rate-limited', 429],
      ['unknown page', 404],
    ])
    expect({ breakdowns: await breakdownRows(db()), tables: await tableSnapshot(db()) }).toEqual(before)
  })

  const site = (n: number) => `site-${String(n).padStart(3, '0')}.example`
  const viewer =
    (target: ReturnType<typeof app>) =>
    async (n: number, ref: string, page = 'posts/a/') => {
      const response = await post(target, `${page}?ref=${ref}`, { ip: `10.0.${n >> 8}.${n & 255}` })
      expect(await response.json()).toMatchObject({ counted: true })
    }

  test('past ten times BREAKDOWN_VALUES_PER_DAY distinct referrers on a live day the rest count as (other), and the table stops growing', async () => {
    const view = viewer(
      appOn(database.handle, { countingOptions: { ...options, breakdownValuesPerDay: 5 }, readCacheMs: 0 }),
    )
    for (let n = 1; n <= 51; n++) await view(n, site(n))
    const referrerRows = async () => (await breakdownRows(db())).filter((row) => row.kind === 'referrer')
    const totals = (await breakdownTotals(db())).referrer!
    expect(Object.keys(totals).length).toBe(51)
    expect(totals[site(50)]).toBe(1)
    expect(totals[site(51)]).toBeUndefined()
    expect(totals[OTHER_VALUE]).toBe(1)

    for (let n = 52; n <= 61; n++) await view(n, site(n))
    await view(62, site(7))
    expect((await referrerRows()).length).toBe(51)
    const after = (await breakdownTotals(db())).referrer!
    expect(after[OTHER_VALUE]).toBe(11)
    expect(after[site(7)]).toBe(2)
  }, 30_000)

  test('200 made-up referrers sent first leave a real one later that day its own row, and the nightly fold folds them', async () => {
    // A limit of 25 kept values (a live ceiling of 250) shows the fold at work on the made-up ones.
    const valuesPerDay = 25
    const view = viewer(
      appOn(database.handle, { countingOptions: { ...options, breakdownValuesPerDay: valuesPerDay }, readCacheMs: 0 }),
    )
    for (let n = 1; n <= 200; n++) await view(n, site(n))
    for (let n = 201; n <= 250; n++) await view(n, 'real.example', n % 2 === 0 ? 'posts/a/' : 'posts/b/')
    expect((await breakdownTotals(db())).referrer!['real.example']).toBe(50)

    const before = await pageKindTotals(db())
    const janitor = keepForgettingVisitors(db(), { isReady: () => true }, quietLog, 20, {
      breakdownValuesPerDay: valuesPerDay,
      clock: () => new Date('2026-12-01T00:05:00Z'),
    })
    try {
      const referrers = async () => (await breakdownTotals(db())).referrer!
      expect(await waitUntil(async () => Object.keys(await referrers()).length === valuesPerDay + 1)).toBe(true)
      // Each page keeps exactly its views of each kind; the real one, 25 on each page, keeps its rows.
      expect(await pageKindTotals(db())).toEqual(before)
      const rows = (await breakdownRows(db())).filter((row) => row.value === 'real.example')
      expect(rows.map(({ slug, count }) => [slug, count])).toEqual([
        ['posts/a/', '25'],
        ['posts/b/', '25'],
      ])
      // The 24 made-up ones first by value kept rows of their own: the other 176 are (other) now.
      expect((await referrers())[OTHER_VALUE]).toBe(176)
      expect((await referrers())[site(24)]).toBe(1)
      expect((await referrers())[site(25)]).toBeUndefined()
    } finally {
      await janitor.stop()
    }
  }, 30_000)
})

async function waitUntil(condition: () => Promise<boolean>, ms = 10_000) {
  const deadline = Date.now() + ms
  while (!(await condition())) {
    if (Date.now() > deadline) return false
    await Bun.sleep(20)
  }
  return true
}
