import './require-server.ts'
import { describe, expect, test } from 'bun:test'
import { createServerDatabase, serverUrl } from '../support/database.ts'
import { migrate, migrationCount as migrations } from '../support/migrations.ts'

describe('bun run db:migrate on PostgreSQL', () => {
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
