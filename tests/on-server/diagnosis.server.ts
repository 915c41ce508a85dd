// Settings the real local server refuses, each with its own log line and /ready answer naming the
// setting to change, through the real driver (tests/db/diagnosis.test.ts: the ways that need no server).
import './require-server.ts'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createServerDatabase, serverUrl } from '../support/database.ts'
import { firstAttempt } from '../support/readiness.ts'

const withPart = (url: string, part: 'pathname' | 'username', value: string) => {
  const copy = new URL(url)
  copy[part] = value
  return copy.href
}

describe('a reachable server that refuses the settings', () => {
  let scratch: Awaited<ReturnType<typeof createServerDatabase>>
  beforeAll(async () => {
    scratch = await createServerDatabase()
  })
  afterAll(() => scratch?.drop())

  test('a database that does not exist is an error naming DB_NAME, and /ready says misconfigured', async () => {
    const url = withPart(serverUrl!, 'pathname', '/no_such_database')
    const { logged, body } = await firstAttempt({ url, source: 'DB_*' })
    expect(logged[0]).toMatchObject({
      level: 'error',
      msg: 'database misconfigured: the database does not exist',
      fix: 'create database "no_such_database", or name an existing one in DB_NAME',
    })
    expect(body.state).toBe('misconfigured')
    expect(body.error).toBe(
      'database misconfigured: the database does not exist; create database "no_such_database", or name an existing one in DB_NAME',
    )
  })

  test('a role that does not exist is an error naming the user in DATABASE_URL', async () => {
    const url = withPart(scratch.url, 'username', 'no_such_role')
    const { logged } = await firstAttempt({ url })
    expect(logged[0]).toMatchObject({
      level: 'error',
      msg: 'database misconfigured: the role does not exist',
      fix: 'create role "no_such_role", or name an existing one in DATABASE_URL (its user)',
    })
  })

  // The local server runs with ssl off: it answers the SSLRequest with "N".
  test('DATABASE_SSL=require against a server without TLS says to turn one of them off', async () => {
    for (const tls of [{ mode: 'require' as const }, { mode: 'verify-full' as const }]) {
      const { logged, body } = await firstAttempt({ url: scratch.url, tls })
      expect(logged[0]).toMatchObject({
        level: 'error',
        msg: 'database misconfigured: the server does not offer TLS',
        fix: `enable ssl on the server, or set DATABASE_SSL=disable (now ${tls.mode}) if the network to it is trusted`,
      })
      expect(body.state).toBe('misconfigured')
    }
  })
})
