import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { backend, migratedDatabase } from '../support/database.ts'
import { run } from '../support/transfer.ts'

const scratch = mkdtempSync(join(tmpdir(), 'vc-transfer-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))
const fixtures = join(import.meta.dir, '..', 'fixtures')

describe('bun run import and bun run export', () => {
  test('a GoatCounter export goes in, a JSON and CSV export come out; a bad file loads nothing', async () => {
    // On the backend under test: a server database when there is one, else an embedded DATA_DIR.
    const target = backend === 'postgres' ? await migratedDatabase() : undefined
    const env: Record<string, string> = target ? { DATABASE_URL: target.url! } : { DATA_DIR: join(scratch, 'data') }
    try {
      const imported = run('import', [join(fixtures, 'goatcounter-export.csv')], env)
      expect(imported.exitCode).toBe(0)
      expect(imported.stdout).toBe(
        [
          'format: goatcounter, mode: add',
          'rows read: 10 (not counted: bots 2, events 1, site root 1)',
          'slugs: 3 (3 new)',
          'views of these slugs: 0 -> 6 (+6, added)',
          'daily rows: 4 (2024-12-31 to 2025-01-03)',
          'breakdown rows: 28',
          'imported in one transaction',
          '',
        ].join('\n'),
      )

      // As for live views: SITE_URL's host is no referrer, and BREAKDOWN_VALUES_PER_DAY bounds a day's values.
      const own = join(scratch, 'own.csv')
      const header = (await Bun.file(join(fixtures, 'goatcounter-export.csv')).text()).split('\n')[0]
      const referred = (from: string) => `/posts/x/,X,false,,,,s,0,${from},h,,,true,2025-01-05T00:00:00Z`
      const referrers = ['https://www.blog.example/posts/y/', 'https://a.example/', 'https://b.example/']
      await Bun.write(own, [header, ...referrers.map(referred)].join('\n'))
      const rowsWith = (settings: Record<string, string>) =>
        /breakdown rows: (\d+)\n/.exec(run('import', [own, '--dry-run'], { ...env, ...settings }).stdout)?.[1]
      expect(rowsWith({})).toBe('3')
      expect(rowsWith({ SITE_URL: 'https://blog.example/' })).toBe('2')
      expect(rowsWith({ BREAKDOWN_VALUES_PER_DAY: '1' })).toBe('2')

      const bad = join(scratch, 'bad.csv')
      await Bun.write(
        bad,
        'slug,count,last_seen\nposts/more/,5,2025-01-01T00:00:00Z\nposts/bad/,many,2025-01-01T00:00:00Z\n',
      )
      const refused = run('import', [bad, '--mode', 'replace'], env)
      expect(refused.exitCode).toBe(1)
      expect(refused.stderr).toContain(
        `${bad}: nothing imported, 1 problem(s):\n  line 3: count must be a whole number, 0 or more\n`,
      )

      const json = run('export', [], env)
      expect(json.exitCode).toBe(0)
      const document = JSON.parse(json.stdout)
      expect(document.views.map((row: { slug: string; count: number }) => [row.slug, row.count])).toEqual([
        ['posts/café/', 1],
        ['posts/hello-world/', 3],
        ['posts/γεια/', 2],
      ])
      expect(document.daily).toHaveLength(4)
      expect(document.version).toBe(2)
      expect(json.stderr).toContain('exported 3 slug(s), 4 daily row(s) and 28 breakdown row(s)')
      expect(document.breakdowns).toContainEqual({
        kind: 'referrer',
        day: '2024-12-31',
        counts: [['Hacker News', 'posts/hello-world/', 1]],
      })

      const csv = run('export', ['--csv', '--daily'], env)
      expect(csv.stdout.split('\n').slice(0, 2)).toEqual(['slug,day,count', 'posts/café/,2025-01-03,1'])
      expect(run('import', ['--mode', 'sideways', bad], env).exitCode).toBe(2)
    } finally {
      await target?.drop()
    }
  }, 120_000)

  test('a JSON export imported into a fresh database exports the same again, breakdowns included', async () => {
    const databases = backend === 'postgres' ? [await migratedDatabase(), await migratedDatabase()] : []
    const [first, second] = databases.length
      ? databases.map((database) => ({ DATABASE_URL: database.url! }))
      : [{ DATA_DIR: join(scratch, 'first') }, { DATA_DIR: join(scratch, 'second') }]
    try {
      const v2 = join(scratch, 'v2.json')
      await Bun.write(
        v2,
        JSON.stringify({
          format: 'view-counter',
          version: 2,
          views: [{ slug: 'posts/x/', count: 9, lastSeen: '2025-01-02T03:04:05.123Z' }],
          daily: [{ slug: 'posts/x/', day: '2025-01-02', count: 9 }],
          breakdowns: [
            { kind: 'country', day: '2025-01-02', counts: [['GR', 'posts/x/', 5]] },
            {
              kind: 'referrer',
              day: '2025-01-02',
              counts: [
                ['Hacker News', 'posts/x/', 4],
                ['(other)', 'posts/x/', 1],
              ],
            },
          ],
        }),
      )
      const imported = run('import', [v2], first!)
      expect(imported.stdout).toContain('breakdown rows: 3\n')
      const exported = run('export', [], first!)
      const copy = join(scratch, 'copy.json')
      await Bun.write(copy, exported.stdout)
      expect(exported.stderr).toContain('exported 1 slug(s), 1 daily row(s) and 3 breakdown row(s)')
      expect(run('import', [copy], second!).exitCode).toBe(0)
      const again = run('export', [], second!)
      const withoutTime = (text: string) => ({ ...JSON.parse(text), exportedAt: undefined })
      expect(withoutTime(again.stdout)).toEqual(withoutTime(exported.stdout))
      expect(JSON.parse(again.stdout).breakdowns).toHaveLength(2)
    } finally {
      for (const database of databases) await database.drop()
    }
  }, 120_000)
})
