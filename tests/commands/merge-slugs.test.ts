import { beforeEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openEmbedded } from '../../src/db/client.ts'
import { mergeSlugVariants } from '../../src/db/merge.ts'
import { dailyBreakdowns, dailyViews, views } from '../../src/db/schema.ts'
import { useMigratedDatabase } from '../support/database.ts'

const database = useMigratedDatabase()
beforeEach(async () => {
  await database.handle.db.delete(views)
  await database.handle.db.insert(views).values([
    { slug: 'posts/x/', count: 10, lastSeen: new Date('2025-01-01T00:00:00Z') },
    { slug: 'posts/x', count: 3, lastSeen: new Date('2025-02-01T00:00:00Z') },
    { slug: '/posts/x/', count: 2, lastSeen: new Date('2024-01-01T00:00:00Z') },
    { slug: 'posts/x/index.html', count: 1, lastSeen: new Date('2024-01-01T00:00:00Z') },
    { slug: 'posts/only-variant', count: 4, lastSeen: new Date('2024-01-01T00:00:00Z') },
    { slug: 'posts/alone/', count: 5, lastSeen: new Date('2024-01-01T00:00:00Z') },
  ])
})

const all = () => database.handle.db.select().from(views).orderBy(views.slug)

describe('merging the spellings of one page', () => {
  test('a dry run reports what it would do and changes nothing', async () => {
    const before = await all()
    const merges = await mergeSlugVariants(database.handle.db, 'add', { dryRun: true })
    expect(merges).toEqual([
      { into: 'posts/x/', from: ['posts/x', '/posts/x/', 'posts/x/index.html'], count: 16 },
      { into: 'posts/only-variant/', from: ['posts/only-variant'], count: 4 },
    ])
    expect(await all()).toEqual(before)
  })

  test('merging adds the counts into the normal slug, keeps the latest last_seen, and loses no view', async () => {
    await mergeSlugVariants(database.handle.db, 'add')
    const rows = await all()
    expect(rows.map(({ slug, count }) => ({ slug, count }))).toEqual([
      { slug: 'posts/alone/', count: 5 },
      { slug: 'posts/only-variant/', count: 4 },
      { slug: 'posts/x/', count: 16 },
    ])
    expect(rows.find((row) => row.slug === 'posts/x/')!.lastSeen.toISOString()).toBe('2025-02-01T00:00:00.000Z')
    expect(await mergeSlugVariants(database.handle.db, 'add')).toEqual([])
  })

  test("a variant's days and breakdowns are added into the normal slug's", async () => {
    const { db } = database.handle
    await db.delete(dailyViews)
    await db.delete(dailyBreakdowns)
    await db.insert(dailyViews).values([
      { slug: 'posts/x/', day: '2025-01-01', count: 4 },
      { slug: 'posts/x', day: '2025-01-01', count: 2 },
      { slug: '/posts/x/', day: '2025-01-02', count: 1 },
    ])
    const breakdown = { kind: 'browser', day: '2025-01-01', value: 'Firefox' }
    await db.insert(dailyBreakdowns).values([
      { ...breakdown, slug: 'posts/x/', count: 3 },
      { ...breakdown, slug: 'posts/x', count: 2 },
      { ...breakdown, value: 'Safari', slug: 'posts/x/index.html', count: 1 },
    ])
    await mergeSlugVariants(db, 'add')
    expect(await db.select().from(dailyViews).orderBy(dailyViews.day)).toEqual([
      { slug: 'posts/x/', day: '2025-01-01', count: 6 },
      { slug: 'posts/x/', day: '2025-01-02', count: 1 },
    ])
    expect(await db.select().from(dailyBreakdowns).orderBy(dailyBreakdowns.value)).toEqual([
      { ...breakdown, slug: 'posts/x/', count: 5 },
      { ...breakdown, value: 'Safari', slug: 'posts/x/', count: 1 },
    ])
  })

  test('bun run slugs:merge prints its report', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vc-merge-'))
    try {
      const seeded = await openEmbedded(dataDir)
      await seeded.migrate()
      await seeded.db.insert(views).values([
        { slug: 'a', count: 1 },
        { slug: 'a/', count: 2 },
      ])
      await seeded.close()
      const run = (...args: string[]) =>
        Bun.spawnSync(['bun', 'run', 'slugs:merge', ...args], {
          env: { PATH: process.env.PATH, DATA_DIR: dataDir },
          stdout: 'pipe',
        })
      const dry = run('--dry-run')
      expect(dry.exitCode).toBe(0)
      expect(dry.stdout.toString()).toContain('a/ <- a (count 3)\nwould merge 1 row(s) into 1 page(s)')
      const real = run()
      expect(real.stdout.toString()).toContain('merged 1 row(s) into 1 page(s)')
      expect(run().stdout.toString()).toContain('merged 0 row(s) into 0 page(s)')
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 120_000)
})
