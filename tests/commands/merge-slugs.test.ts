import { beforeEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openEmbedded } from '../../src/db/client.ts'
import { mergeSlugVariants } from '../../src/db/merge.ts'
import { views } from '../../src/db/schema.ts'
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
