import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Dataset } from '../../src/transfer/dataset.ts'
import { type ReadOptions, readDataset } from '../../src/transfer/formats.ts'
import { InvalidFile } from '../../src/transfer/row-checks.ts'

const fixtures = join(import.meta.dir, '..', 'fixtures')
const scratch = mkdtempSync(join(tmpdir(), 'vc-formats-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const defaults: ReadOptions = { trailingSlash: 'add', timeZone: 'UTC' }
let files = 0
async function fileWith(content: string | Uint8Array): Promise<string> {
  const path = join(scratch, `file-${files++}`)
  await Bun.write(path, content)
  return path
}

const plain = (data: Dataset) => ({
  totals: data.totals && Object.fromEntries(data.totals),
  history:
    data.history && Object.fromEntries([...data.history].map(([slug, days]) => [slug, Object.fromEntries(days)])),
})

async function problemsOf(path: string, options: Partial<ReadOptions> = {}): Promise<string[]> {
  try {
    await readDataset(path, { ...defaults, ...options })
  } catch (error) {
    if (error instanceof InvalidFile) return error.problems.map(({ where, message }) => `${where}: ${message}`)
    throw error
  }
  throw new Error('the file was accepted')
}

describe('GoatCounter CSV export', () => {
  const goatcounter = join(fixtures, 'goatcounter-export.csv')

  test('pageviews become totals and days per page, without bots, events or the site root', async () => {
    const data = await readDataset(goatcounter, defaults)
    expect(data.format).toBe('goatcounter')
    expect(data.rowsRead).toBe(10)
    expect(data.skipped).toEqual({ bots: 2, events: 1, 'site root': 1 })
    expect(plain(data)).toEqual({
      totals: {
        'posts/hello-world/': { count: 3, lastSeen: '2025-01-01T12:45:00.000Z' },
        'posts/γεια/': { count: 2, lastSeen: '2025-01-02T07:41:09.000Z' },
        'posts/café/': { count: 1, lastSeen: '2025-01-03T18:20:00.000Z' },
      },
      history: {
        'posts/hello-world/': { '2024-12-31': 1, '2025-01-01': 2 },
        'posts/γεια/': { '2025-01-02': 2 },
        'posts/café/': { '2025-01-03': 1 },
      },
    })
  })

  test('what readers came with is kept as the live count keeps it, for exactly the pageviews counted', async () => {
    const data = await readDataset(goatcounter, defaults)
    const rows = data.breakdowns!.map((row) => `${row.slug} ${row.day} ${row.kind}: ${row.value} ${row.count}`)
    expect(rows.sort()).toEqual([
      'posts/café/ 2025-01-03 browser: Samsung Internet for Android 1',
      'posts/café/ 2025-01-03 campaign: spring sale 1',
      'posts/café/ 2025-01-03 country: FR 1',
      'posts/café/ 2025-01-03 os: Android 1',
      'posts/café/ 2025-01-03 screen: s 1',
      'posts/café/ 2025-01-03 source: mastodon 1',
      'posts/hello-world/ 2024-12-31 browser: Firefox 1',
      'posts/hello-world/ 2024-12-31 country: NL 1',
      'posts/hello-world/ 2024-12-31 os: Linux 1',
      'posts/hello-world/ 2024-12-31 referrer: Hacker News 1',
      'posts/hello-world/ 2024-12-31 screen: xl 1',
      'posts/hello-world/ 2025-01-01 browser: Chrome 1',
      'posts/hello-world/ 2025-01-01 browser: Safari 1',
      'posts/hello-world/ 2025-01-01 country: DE 1',
      'posts/hello-world/ 2025-01-01 country: US 1',
      'posts/hello-world/ 2025-01-01 os: Windows 1',
      'posts/hello-world/ 2025-01-01 os: iOS 1',
      'posts/hello-world/ 2025-01-01 referrer: Mastodon 1',
      'posts/hello-world/ 2025-01-01 screen: s 1',
      'posts/hello-world/ 2025-01-01 screen: xl 1',
      'posts/hello-world/ 2025-01-01 source: mastodon 1',
      'posts/hello-world/ 2025-01-01 source: newsletter 1',
      'posts/γεια/ 2025-01-02 browser: Firefox 2',
      'posts/γεια/ 2025-01-02 country: GR 2',
      'posts/γεια/ 2025-01-02 os: Linux 2',
      'posts/γεια/ 2025-01-02 referrer: DuckDuckGo 1',
      'posts/γεια/ 2025-01-02 referrer: example.org 1',
      'posts/γεια/ 2025-01-02 screen: l 2',
    ])
    // Every counted pageview names a browser: their sum is each day's count, bots and events left out.
    const browsers = new Map<string, number>()
    for (const row of data.breakdowns!.filter((row) => row.kind === 'browser'))
      browsers.set(`${row.slug} ${row.day}`, (browsers.get(`${row.slug} ${row.day}`) ?? 0) + row.count)
    const days = [...data.history!].flatMap(([slug, days]) => [...days].map(([day, n]) => [`${slug} ${day}`, n]))
    expect(Object.fromEntries(browsers)).toEqual(Object.fromEntries(days))
  })

  test("days are the service's TIME_ZONE days and slugs its TRAILING_SLASH spelling", async () => {
    const data = await readDataset(goatcounter, { trailingSlash: 'strip', timeZone: 'Europe/Athens' })
    expect(plain(data).history!['posts/hello-world']).toEqual({ '2025-01-01': 3 })
    expect([...data.totals!.keys()].sort()).toEqual(['posts/café', 'posts/hello-world', 'posts/γεια'])
  })

  test('the .csv.gz GoatCounter hands out reads the same as the plain file', async () => {
    const gzipped = await fileWith(Bun.gzipSync(await Bun.file(goatcounter).bytes()))
    expect(plain(await readDataset(gzipped, defaults))).toEqual(plain(await readDataset(goatcounter, defaults)))
  })

  test('an unknown export version is refused, not guessed at', async () => {
    const text = (await Bun.file(goatcounter).text()).replace(/^2Path/, '3Path')
    expect(await problemsOf(await fileWith(text))).toEqual([
      'line 1: GoatCounter export version 3 is not supported (expected 1 or 2)',
    ])
  })

  test('bad pageviews are all reported with their lines, a quoted newline counted', async () => {
    const lines = (await Bun.file(goatcounter).text()).split('\n')
    lines[5] = lines[5]!.replace('/posts/%CE%B3', '/posts/%ZZ') // the row that starts on line 6 and spans two
    lines[9] = lines[9]!.replace('2025-01-02T07:41:09Z', 'yesterday') // the row on lines 9-10, after a blank line
    expect(await problemsOf(await fileWith(lines.join('\n')))).toEqual([
      'line 6: Path "/posts/%ZZ%CE%B5%CE%B9%CE%B1/": slug is not valid percent-encoded UTF-8',
      'line 9: Date must be an RFC 3339 time, e.g. 2025-01-31T12:00:00Z',
    ])
  })

  test('a path is checked as it will be stored, after folding: an encoded "#" cannot hide a dot segment', async () => {
    const lines = (await Bun.file(goatcounter).text()).split('\n')
    lines[5] = lines[5]!.replace('/posts/%CE%B3', '/posts/..%23%CE%B3')
    expect(await problemsOf(await fileWith(lines.join('\n')))).toEqual([
      'line 6: Path "/posts/..%23%CE%B3%CE%B5%CE%B9%CE%B1/": slug must not contain dot segments',
    ])
  })
})

describe("the reference's psql dump and our CSV", () => {
  const expected = {
    'posts/hello-world/': { count: 1234, lastSeen: '2025-03-01 14:45:42.123456+05:30' },
    'posts/a, b and "c"/': { count: 17, lastSeen: '2024-11-06 05:29:59+05:30' },
    'posts/γεια/': { count: 42, lastSeen: '2025-01-01 05:30:00+05:30' },
    'posts/100%/': { count: 3, lastSeen: '2024-06-30 17:30:00+05:30' },
    'about/': { count: 0, lastSeen: '2023-01-15 13:30:00+05:30' },
  }

  test('\\copy … csv header reads as a views CSV, slugs exactly as stored', async () => {
    const data = await readDataset(join(fixtures, 'reference-views.csv'), defaults)
    expect(data.format).toBe('views-csv')
    expect(plain(data)).toEqual({ totals: expected, history: undefined })
  })

  test('\\copy … csv without a header reads the same', async () => {
    expect(plain(await readDataset(join(fixtures, 'reference-views-no-header.csv'), defaults))).toEqual({
      totals: expected,
      history: undefined,
    })
  })

  test('one bad row among good ones: every bad row named by its line, nothing returned', async () => {
    const file = await fileWith(
      [
        'slug,count,last_seen',
        'posts/fine/,1,2025-01-01T00:00:00Z',
        'posts/x/,-3,2025-01-01T00:00:00Z',
        '"posts/multi, line",2,2025-01-01T00:00:00Z',
        '"posts%2F..%2Fx",1,2025-01-01T00:00:00Z',
        'posts/../etc/,1,2025-01-01T00:00:00Z',
        'posts/when/,1,2025-01-01 12:00',
        'posts/fine/,4,2025-01-01T00:00:00Z',
        'posts/short/,4',
        ',1,2025-01-01T00:00:00Z',
      ].join('\n'),
    )
    expect(await problemsOf(file)).toEqual([
      'line 3: count must be a whole number, 0 or more',
      'line 6: slug must not contain dot segments',
      'line 7: last_seen must be a timestamp with a time zone, e.g. 2025-01-31T12:00:00Z',
      'line 8: slug "posts/fine/" is already given at line 2',
      'line 9: has 2 fields, expected 3 (slug,count,last_seen)',
      'line 10: slug must not be empty',
    ])
  })

  test('a daily CSV needs its header, or --format', async () => {
    const rows = 'posts/x/,2025-01-01,3\nposts/x/,2025-01-02,4\n'
    const withHeader = await readDataset(await fileWith(`slug,day,count\n${rows}`), defaults)
    const forced = await readDataset(await fileWith(rows), { ...defaults, format: 'daily-csv' })
    const history = { 'posts/x/': { '2025-01-01': 3, '2025-01-02': 4 } }
    expect(plain(withHeader)).toEqual({ totals: undefined, history })
    expect(plain(forced)).toEqual({ totals: undefined, history })
    expect(await problemsOf(await fileWith('slug,day,count\nposts/x/,2025-02-30,1\n'))).toEqual([
      'line 2: day must be a calendar day as YYYY-MM-DD',
    ])
  })

  test('broken CSV quoting is refused at its line', async () => {
    expect(
      await problemsOf(await fileWith('slug,count,last_seen\na,1,2025-01-01T00:00:00Z\n"b"x,1,2025-01-01T00:00:00Z\n')),
    ).toEqual([expect.stringMatching(/^line 3: not valid CSV: /)])
  })
})

describe('our JSON export', () => {
  const document = (views: unknown[], daily: unknown[] = []) =>
    JSON.stringify({ format: 'view-counter', version: 1, exportedAt: '2025-01-01T00:00:00Z', views, daily })

  test('bad rows are named by their place in the file', async () => {
    const file = await fileWith(
      document(
        [
          { slug: 'a/', count: 1, lastSeen: '2025-01-01T00:00:00Z' },
          { slug: 'b/', count: 1.5, lastSeen: '2025-01-01T00:00:00Z' },
        ],
        [{ slug: 'a/', day: '2025-1-1', count: 1 }],
      ),
    )
    expect(await problemsOf(file)).toEqual([
      'views[1]: count is too large or not whole',
      'daily[0]: day must be a calendar day as YYYY-MM-DD',
    ])
  })

  test('another version of the format is refused', async () => {
    const file = await fileWith(document([]).replace('"version":1', '"version":3'))
    expect(await problemsOf(file)).toEqual(['file: version must be 1 or 2, the versions this service knows'])
  })

  test('breakdowns belong to version 2, which must have them', async () => {
    const v1 = JSON.stringify({ format: 'view-counter', version: 1, views: [], daily: [], breakdowns: [] })
    const v2 = JSON.stringify({ format: 'view-counter', version: 2, views: [], daily: [] })
    expect(await problemsOf(await fileWith(v1))).toEqual(['file: breakdowns come only in version 2 files'])
    expect(await problemsOf(await fileWith(v2))).toEqual(['file: breakdowns must be an array'])
  })

  test('every bad breakdown row is named by its group and place, and nothing is read', async () => {
    const breakdowns = [
      {
        kind: 'referrer',
        day: '2025-01-01',
        counts: [
          ['news.ycombinator.com', 'a/', 2],
          ['', 'a/', 1],
        ],
      },
      { kind: 'mood', day: '2025-01-01', counts: [['happy', 'a/', 1]] },
      { kind: 'country', day: '2025-02-30', counts: [] },
      {
        kind: 'browser',
        day: '2025-01-01',
        counts: [
          ['Firefox', 'a/', 0],
          ['Firefox\u0007', 'a/', 1],
          ['x'.repeat(257), 'a/', 1],
          ['Safari', 'posts/../x', 1],
          ['Chrome', 'a/', 1.5],
          ['Chrome', 'a/'],
          ['Edge', 'a/', 1],
          ['Edge', 'a/', 2],
        ],
      },
    ]
    const file = await fileWith(
      JSON.stringify({ format: 'view-counter', version: 2, views: [], daily: [], breakdowns }),
    )
    expect(await problemsOf(file)).toEqual([
      'breakdowns[0].counts[1]: value must not be empty',
      'breakdowns[1]: kind must be one of referrer, source, campaign, country, browser, os, device, screen',
      'breakdowns[2]: day must be a calendar day as YYYY-MM-DD',
      'breakdowns[3].counts[0]: count must be a whole number, 1 or more',
      'breakdowns[3].counts[1]: value must not contain control characters',
      'breakdowns[3].counts[2]: value must be at most 256 characters',
      'breakdowns[3].counts[3]: slug must not contain dot segments',
      'breakdowns[3].counts[4]: count is too large or not whole',
      'breakdowns[3].counts[5]: must be [value, slug, count]',
      'breakdowns[3].counts[7]: browser "Edge" of slug "a/" on 2025-01-01 is already given at breakdowns[3].counts[6]',
    ])
  })

  test('a good version 2 file reads its breakdown rows, kind and day from their group', async () => {
    const breakdowns = [{ kind: 'screen', day: '2025-01-01', counts: [['m', 'a/', 3]] }]
    const file = await fileWith(
      JSON.stringify({ format: 'view-counter', version: 2, views: [], daily: [], breakdowns }),
    )
    const data = await readDataset(file, defaults)
    expect(data.breakdowns).toEqual([{ kind: 'screen', day: '2025-01-01', value: 'm', slug: 'a/', count: 3 }])
    expect(data.rowsRead).toBe(1)
  })
})
