import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { migrate, migrationCount as migrations } from '../support/migrations.ts'

const scratch = mkdtempSync(join(tmpdir(), 'vc-migrate-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('bun run db:migrate', () => {
  test('without PostgreSQL settings it names them, and migrates the embedded DATA_DIR in plain lines', () => {
    const dataDir = join(scratch, 'data')
    const noServer = `no PostgreSQL configured (set DATABASE_URL, or DB_HOST with DB_NAME, DB_USER and DB_PASSWORD): migrating the embedded database in ${dataDir}\n`
    expect(migrate({ DATA_DIR: dataDir })).toEqual({
      code: 0,
      stdout:
        noServer +
        `creating the embedded database in ${dataDir} (first start, takes a few seconds)\n` +
        `created the embedded database in ${dataDir}\n` +
        `applied ${migrations} migration(s); the schema is up to date (${migrations} in all)\n`,
      stderr: '',
    })
    expect(migrate({ DATA_DIR: dataDir })).toEqual({
      code: 0,
      stdout: `${noServer}nothing to apply; the schema is up to date (${migrations} migrations)\n`,
      stderr: '',
    })
  }, 60_000)
})
