import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { migrationsFolder } from '../../src/db/client.ts'
import { backend, createServerDatabase, serverUrl } from '../support/database.ts'

const migrations = (await Bun.file(`${migrationsFolder}/meta/_journal.json`).json()).entries.length as number
const scratch = mkdtempSync(join(tmpdir(), 'vc-migrate-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function migrate(env: Record<string, string>) {
  const run = Bun.spawnSync(['bun', 'run', '--silent', 'db:migrate'], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { PATH: process.env.PATH, ...env },
  })
  return { code: run.exitCode, stdout: run.stdout.toString(), stderr: run.stderr.toString() }
}

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

describe.skipIf(backend !== 'postgres')('bun run db:migrate on PostgreSQL', () => {
  test("applies the migrations and prints the server's notices nowhere", async () => {
    const database = await createServerDatabase()
    try {
      expect(migrate({ DATABASE_URL: database.url })).toEqual({
        code: 0,
        stdout: `applied ${migrations} migration(s); the schema is up to date (${migrations} in all)\n`,
        stderr: '',
      })
      expect(migrate({ DATABASE_URL: database.url }).stdout).toBe(
        `nothing to apply; the schema is up to date (${migrations} migrations)\n`,
      )
    } finally {
      await database.drop()
    }
  })

  test('a database that does not exist is one line with the fix, and exit code 1', () => {
    const url = new URL(serverUrl!)
    url.pathname = '/no_such_database'
    const run = migrate({ DATABASE_URL: url.href })
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(
      'cannot migrate: the database does not exist; create database "no_such_database", or name an existing one in DATABASE_URL (its path)\n',
    )
  })
})
