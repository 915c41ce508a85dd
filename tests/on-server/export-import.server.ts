import './require-server.ts'
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { createServerDatabase, migratedDatabase } from '../support/database.ts'
import { tableSnapshot } from '../support/tables.ts'
import { run } from '../support/transfer.ts'

if (!Bun.which('psql')) {
  throw new Error("this test dumps the reference's table with psql: install it (Debian package postgresql-client)")
}

const scratch = mkdtempSync(join(tmpdir(), 'vc-transfer-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('bun run import and bun run export', () => {
  // The reference's own table, filled in SQL and dumped by psql itself, exactly as its README says.
  test("a psql \\copy of the reference's table imports row for row", async () => {
    const reference = await createServerDatabase()
    const target = await migratedDatabase()
    try {
      const client = postgres(reference.url, { max: 1, onnotice: () => {} })
      await client.unsafe(`
        CREATE TABLE IF NOT EXISTS views (
            slug        TEXT PRIMARY KEY,
            count       BIGINT NOT NULL DEFAULT 0,
            last_seen   TIMESTAMPTZ NOT NULL DEFAULT now()
        );
        INSERT INTO views VALUES
          ('posts/hello-world/', 1234, '2025-03-01 09:15:42.123456+00'),
          ('posts/a, b and "c"/', 17, '2024-11-05 23:59:59+00'),
          ('posts/γεια/', 42, '2025-01-01 00:00:00+00'),
          ('posts/100%/', 3, now());`)
      await client.end()
      const dump = join(scratch, 'views.csv')
      const psql = Bun.spawnSync(['psql', reference.url, '-c', `\\copy views to '${dump}' csv header`], {
        env: { ...process.env, PGTZ: 'Asia/Kolkata' },
        stderr: 'pipe',
      })
      expect(psql.stderr.toString()).toBe('')

      const imported = run('import', [dump], { DATABASE_URL: target.url! })
      expect(imported.exitCode).toBe(0)
      expect(imported.stdout).toContain('slugs: 4 (4 new)')
      const check = postgres(reference.url, { max: 1 })
      const expected = await check.unsafe(`select slug, count::text, last_seen::text from views order by slug`)
      await check.end()
      expect((await tableSnapshot(target.handle.db)).views).toEqual([...expected])
    } finally {
      await target.drop()
      await reference.drop()
    }
  }, 60_000)
})
