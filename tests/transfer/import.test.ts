import { afterAll, beforeEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { dailyBreakdowns, dailyViews, views } from '../../src/db/schema.ts'
import { type ExportKind, exportData } from '../../src/transfer/export.ts'
import { readDataset } from '../../src/transfer/formats.ts'
import { type ImportMode, importDataset } from '../../src/transfer/import.ts'
import { appOn, readerViews } from '../support/app.ts'
import { migratedDatabase, useMigratedDatabase } from '../support/database.ts'
import { emptyTables, tableSnapshot } from '../support/tables.ts'

const database = useMigratedDatabase()
const scratch = mkdtempSync(join(tmpdir(), 'vc-import-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const db = () => database.handle.db
const options = { trailingSlash: 'add', timeZone: 'UTC' } as const

// Slugs that need CSV quoting, JSON escaping and UTF-8; a last_seen with microseconds.
async function seed() {
  await db().execute(sql`
    insert into views (slug, count, last_seen) values
      ('posts/a, b and "c"/', 17, '2024-11-05 23:59:59.654321+00'),
      ('posts/γεια/', 42, '2025-01-01 00:00:00+00'),
      ('posts/100%/', 3, '2024-06-30 12:00:00.5+00'),
      ('about/', 0, '2023-01-15 08:00:00+00')`)
  await db()
    .insert(dailyViews)
    .values([
      { slug: 'posts/a, b and "c"/', day: '2024-11-04', count: 5 },
      { slug: 'posts/a, b and "c"/', day: '2024-11-05', count: 12 },
      { slug: 'posts/γεια/', day: '2024-12-31', count: 40 },
    ])
  // Three rows of one kind and day, more than an export page of 2, and values that need escaping.
  await db()
    .insert(dailyBreakdowns)
    .values([
      { kind: 'referrer', day: '2024-11-05', value: 'Hacker News', slug: 'posts/a, b and "c"/', count: 7 },
      { kind: 'referrer', day: '2024-11-05', value: 'example.org', slug: 'posts/a, b and "c"/', count: 2 },
      { kind: 'referrer', day: '2024-11-05', value: '(other)', slug: 'posts/a, b and "c"/', count: 1 },
      { kind: 'country', day: '2024-11-05', value: 'GR', slug: 'posts/a, b and "c"/', count: 3 },
      { kind: 'campaign', day: '2024-12-31', value: 'spring "sale" ω', slug: 'posts/γεια/', count: 4 },
      { kind: 'screen', day: '2024-12-31', value: 'xl', slug: 'posts/γεια/', count: 40 },
    ])
}

async function exportTo(kind: ExportKind): Promise<string> {
  let text = ''
  await exportData(db(), {
    kind,
    timeZone: 'UTC',
    write: (chunk) => {
      text += chunk
    },
    pageSize: 2,
  })
  const path = join(scratch, `${kind}-${Math.random().toString(36).slice(2)}`)
  await Bun.write(path, text)
  return path
}

async function load(path: string, mode: ImportMode = 'add', dryRun = false) {
  return importDataset(db(), await readDataset(path, options), { mode, dryRun })
}

beforeEach(async () => {
  await emptyTables(db())
  await seed()
})

describe('a round trip into an empty database gives identical tables', () => {
  test('through JSON, breakdowns included, one line per day and kind in key order', async () => {
    const before = await tableSnapshot(db())
    expect(before.breakdowns).toHaveLength(6)
    const file = await exportTo('json')
    const document = await Bun.file(file).json()
    expect(document).toMatchObject({ format: 'view-counter', version: 2, timeZone: 'UTC' })
    expect(document.views).toHaveLength(4)
    expect(document.daily).toHaveLength(3)
    // Values sort by the database's collation; the order within a group is not part of the format.
    const groups = document.breakdowns.map((group: { counts: string[][] }) => ({
      ...group,
      counts: group.counts.toSorted((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    }))
    expect(groups).toEqual([
      { kind: 'country', day: '2024-11-05', counts: [['GR', 'posts/a, b and "c"/', 3]] },
      {
        kind: 'referrer',
        day: '2024-11-05',
        counts: [
          ['(other)', 'posts/a, b and "c"/', 1],
          ['Hacker News', 'posts/a, b and "c"/', 7],
          ['example.org', 'posts/a, b and "c"/', 2],
        ],
      },
      { kind: 'campaign', day: '2024-12-31', counts: [['spring "sale" ω', 'posts/γεια/', 4]] },
      { kind: 'screen', day: '2024-12-31', counts: [['xl', 'posts/γεια/', 40]] },
    ])
    const lines = (await Bun.file(file).text()).split('\n')
    expect(lines.filter((line) => line.startsWith('{"kind":"referrer"'))).toHaveLength(1)
    await emptyTables(db())
    const summary = await load(file)
    expect(summary.breakdownRows).toBe(6)
    expect(await tableSnapshot(db())).toEqual(before)
  })

  test('the CSV files carry no breakdowns, as before: views then daily give back those two tables', async () => {
    const before = { ...(await tableSnapshot(db())), breakdowns: [] }
    const [viewsFile, dailyFile] = [await exportTo('views-csv'), await exportTo('daily-csv')]
    expect((await Bun.file(viewsFile).text()).split('\n').slice(0, 2)).toEqual([
      'slug,count,last_seen',
      'about/,0,2023-01-15T08:00:00+00:00',
    ])
    expect(await Bun.file(dailyFile).text()).toContain('\n"posts/a, b and ""c""/",2024-11-04,5\n')
    await emptyTables(db())
    await load(viewsFile)
    await load(dailyFile)
    expect(await tableSnapshot(db())).toEqual(before)
  })
})

describe('views counted by the service itself', () => {
  const iPhone =
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1'
  const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0'

  test('with their breakdowns, exported and imported into a fresh database, give every table back', async () => {
    await emptyTables(db())
    await db().execute(sql`delete from recent_visits`)
    // COUNT_MODE=readers, as the cluster runs: the mode that keeps breakdowns.
    const app = appOn(database.handle, { countingOptions: { ...readerViews, countryHeader: 'cf-ipcountry' } })
    const views = [
      [
        '/views/posts/a/?ref=https%3A%2F%2Fnews.ycombinator.com%2Fitem%3Fid%3D1&utm_source=Newsletter&screen=s',
        iPhone,
        'gr',
      ],
      ['/views/posts/a/?ref=lobste.rs&utm_campaign=Spring&screen=xl', firefox, 'de'],
      ['/views/posts/γεια/?ref=example.org&screen=m', firefox, 'gr'],
      ['/views/posts/γεια/', iPhone, 'xx'],
    ]
    for (const [i, [path, ua, country]] of views.entries()) {
      const response = await app.request(path!, {
        method: 'POST',
        headers: { 'User-Agent': ua!, 'CF-IPCountry': country!, 'X-Forwarded-For': `192.0.2.${i + 1}` },
      })
      expect(await response.json()).toMatchObject({ counted: true })
    }
    const before = await tableSnapshot(db())
    expect(before.views).toHaveLength(2)
    expect(new Set(before.breakdowns.map((row) => row.kind))).toEqual(
      new Set(['referrer', 'source', 'campaign', 'country', 'browser', 'os', 'device', 'screen']),
    )
    const file = await exportTo('json')
    // On the embedded backend this is the same instance with its schema made anew.
    const fresh = await migratedDatabase()
    try {
      await importDataset(fresh.handle.db, await readDataset(file, options), { mode: 'add', dryRun: false })
      expect(await tableSnapshot(fresh.handle.db)).toEqual(before)
    } finally {
      await fresh.drop()
    }
  })
})

describe('a version 1 file, as exports before breakdowns wrote it', () => {
  const fixture = join(import.meta.dir, '..', 'fixtures', 'export-v1.json')

  test('imports into an empty database exactly as before', async () => {
    const seeded = await tableSnapshot(db())
    await emptyTables(db())
    const summary = await load(fixture)
    expect(summary.breakdownRows).toBeUndefined()
    expect(await tableSnapshot(db())).toEqual({ ...seeded, breakdowns: [] })
  })

  test('replace leaves the breakdowns alone, as it leaves history alone for a file without history', async () => {
    const seeded = await tableSnapshot(db())
    await load(fixture, 'replace')
    expect(await tableSnapshot(db())).toEqual(seeded)
  })
})

describe('add and replace', () => {
  async function fileOf(views: object[], daily: object[]) {
    const path = join(scratch, `doc-${Math.random().toString(36).slice(2)}.json`)
    await Bun.write(path, JSON.stringify({ format: 'view-counter', version: 1, views, daily }))
    return path
  }
  const counts = async () => Object.fromEntries((await db().select().from(views)).map((row) => [row.slug, row.count]))
  const history = async (slug: string) =>
    Object.fromEntries(
      (await db().select().from(dailyViews).where(sql`${dailyViews.slug} = ${slug}`)).map((row) => [
        row.day,
        row.count,
      ]),
    )
  const file = () =>
    fileOf(
      [
        { slug: 'posts/γεια/', count: 10, lastSeen: '2020-01-01T00:00:00Z' },
        { slug: 'posts/new/', count: 2, lastSeen: '2025-02-01T00:00:00Z' },
      ],
      [
        { slug: 'posts/γεια/', day: '2024-12-31', count: 4 },
        { slug: 'posts/γεια/', day: '2025-01-01', count: 6 },
        { slug: 'posts/new/', day: '2025-02-01', count: 2 },
      ],
    )

  test('add (the default) adds totals and days, keeps the later last_seen, leaves other slugs alone', async () => {
    const summary = await load(await file())
    expect(await counts()).toEqual({
      'posts/a, b and "c"/': 17,
      'posts/γεια/': 52,
      'posts/100%/': 3,
      'about/': 0,
      'posts/new/': 2,
    })
    expect(await history('posts/γεια/')).toEqual({ '2024-12-31': 44, '2025-01-01': 6 })
    const [row] = await db().select().from(views).where(sql`${views.slug} = 'posts/γεια/'`)
    expect(row!.lastSeen.toISOString()).toBe('2025-01-01T00:00:00.000Z')
    expect(summary).toMatchObject({
      slugs: 2,
      newSlugs: 1,
      viewsBefore: 42,
      viewsAfter: 54,
      dailyRows: 3,
      firstDay: '2024-12-31',
      lastDay: '2025-02-01',
    })
  })

  test("replace makes each named slug's total and history the file's, and clears no other slug", async () => {
    const summary = await load(await file(), 'replace')
    expect(await counts()).toEqual({
      'posts/a, b and "c"/': 17,
      'posts/γεια/': 10,
      'posts/100%/': 3,
      'about/': 0,
      'posts/new/': 2,
    })
    expect(await history('posts/γεια/')).toEqual({ '2024-12-31': 4, '2025-01-01': 6 })
    expect(await history('posts/a, b and "c"/')).toEqual({ '2024-11-04': 5, '2024-11-05': 12 })
    const [row] = await db().select().from(views).where(sql`${views.slug} = 'posts/γεια/'`)
    expect(row!.lastSeen.toISOString()).toBe('2020-01-01T00:00:00.000Z')
    expect(summary).toMatchObject({ viewsBefore: 42, viewsAfter: 12 })
  })

  test('replace from a file without history (a psql dump) leaves the history as it was', async () => {
    const path = join(scratch, 'dump.csv')
    await Bun.write(path, 'posts/γεια/,7,2025-01-01 00:00:00+00\n')
    await load(path, 'replace')
    expect((await counts())['posts/γεια/']).toBe(7)
    expect(await history('posts/γεια/')).toEqual({ '2024-12-31': 40 })
  })

  const breakdownsOf = async (slug: string) =>
    Object.fromEntries(
      (await db().select().from(dailyBreakdowns).where(sql`${dailyBreakdowns.slug} = ${slug}`)).map((row) => [
        `${row.kind} ${row.day} ${row.value}`,
        row.count,
      ]),
    )
  const withBreakdowns = async () => {
    const path = join(scratch, `v2-${Math.random().toString(36).slice(2)}.json`)
    const document = {
      format: 'view-counter',
      version: 2,
      views: [{ slug: 'posts/γεια/', count: 6, lastSeen: '2025-01-01T00:00:00Z' }],
      daily: [{ slug: 'posts/γεια/', day: '2024-12-31', count: 6 }],
      breakdowns: [
        { kind: 'campaign', day: '2024-12-31', counts: [['spring "sale" ω', 'posts/γεια/', 2]] },
        { kind: 'referrer', day: '2024-12-31', counts: [['GitHub', 'posts/γεια/', 1]] },
      ],
    }
    await Bun.write(path, JSON.stringify(document))
    return path
  }

  test('add adds breakdown counts to the rows already there and adds new ones', async () => {
    const summary = await load(await withBreakdowns())
    expect(await breakdownsOf('posts/γεια/')).toEqual({
      'campaign 2024-12-31 spring "sale" ω': 6,
      'referrer 2024-12-31 GitHub': 1,
      'screen 2024-12-31 xl': 40,
    })
    expect(summary.breakdownRows).toBe(2)
  })

  test("replace makes each named slug's breakdowns the file's and leaves other slugs' alone", async () => {
    const other = await breakdownsOf('posts/a, b and "c"/')
    await load(await withBreakdowns(), 'replace')
    expect(await breakdownsOf('posts/γεια/')).toEqual({
      'campaign 2024-12-31 spring "sale" ω': 2,
      'referrer 2024-12-31 GitHub': 1,
    })
    expect(await breakdownsOf('posts/a, b and "c"/')).toEqual(other)
  })

  test('a dry run reports what would change and writes nothing', async () => {
    const before = await tableSnapshot(db())
    const summary = await load(await file(), 'add', true)
    expect(summary).toMatchObject({
      dryRun: true,
      slugs: 2,
      newSlugs: 1,
      viewsBefore: 42,
      viewsAfter: 54,
      dailyRows: 3,
    })
    expect(await tableSnapshot(db())).toEqual(before)
  })

  test('a GoatCounter export adds to the totals exactly what it adds to the days', async () => {
    await load(join(import.meta.dir, '..', 'fixtures', 'goatcounter-export.csv'))
    expect((await counts())['posts/hello-world/']).toBe(3)
    expect(await history('posts/hello-world/')).toEqual({ '2024-12-31': 1, '2025-01-01': 2 })
  })

  test("a GoatCounter export's breakdowns add to those there; replace makes a named slug's the file's", async () => {
    const goatcounter = join(import.meta.dir, '..', 'fixtures', 'goatcounter-export.csv')
    const fromFile = {
      'browser 2025-01-02 Firefox': 2,
      'country 2025-01-02 GR': 2,
      'os 2025-01-02 Linux': 2,
      'referrer 2025-01-02 DuckDuckGo': 1,
      'referrer 2025-01-02 example.org': 1,
      'screen 2025-01-02 l': 2,
    }
    await load(goatcounter)
    expect(await breakdownsOf('posts/γεια/')).toEqual({
      'campaign 2024-12-31 spring "sale" ω': 4,
      'screen 2024-12-31 xl': 40,
      ...fromFile,
    })
    await load(goatcounter, 'replace')
    expect(await breakdownsOf('posts/γεια/')).toEqual(fromFile)
  })
})
