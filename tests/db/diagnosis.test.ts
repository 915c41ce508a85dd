// Each way of pointing the service at a database it cannot use gets its own log line and /ready
// answer naming the setting to change, through the real driver. Here the ways that need no server;
// what a real server refuses is in tests/on-server/diagnosis.server.ts.
import { describe, expect, test } from 'bun:test'
import { createServer, type Server } from 'node:net'
import { freePort } from '../../harness/free-port.ts'
import { firstAttempt } from '../support/readiness.ts'

describe('a database that cannot be reached', () => {
  test('a closed port is logged as unreachable with the address and the settings to check', async () => {
    const port = freePort()
    const { logged, status, body } = await firstAttempt({ url: `postgres://postgres@127.0.0.1:${port}/x` })
    expect(logged[0]).toMatchObject({
      level: 'warn',
      msg: 'database unreachable: nothing accepts connections at the address',
      fix: `start PostgreSQL at 127.0.0.1:${port}, or correct the host and port in DATABASE_URL`,
    })
    expect(status).toBe(503)
    expect(body.state).toBe('unreachable')
    expect(body.error).toStartWith('database unreachable: nothing accepts connections')
  })

  // `.invalid` never resolves and is answered without any network traffic (RFC 6761, section 6.4).
  test('a host name that does not resolve names the host and DB_HOST when built from DB_*', async () => {
    const { logged, body } = await firstAttempt({ url: 'postgres://u@db.invalid:5432/x', source: 'DB_*' })
    expect(logged[0]).toMatchObject({
      level: 'warn',
      msg: 'database unreachable: the host name does not resolve',
      fix: 'correct the host "db.invalid" in DB_HOST',
    })
    expect(body).toEqual({
      state: 'unreachable',
      error: 'database unreachable: the host name does not resolve; correct the host "db.invalid" in DB_HOST',
    })
  })
})

// A wrong password and a pg_hba.conf of `hostssl` lines need a server configured so; this one
// speaks just enough of the protocol to end the startup as PostgreSQL does, with a FATAL
// ErrorResponse (PostgreSQL protocol, "ErrorResponse": fields S, V, C, M).
function refusingServer(code: string, message: string): Promise<{ url: string; close(): void }> {
  const field = (type: string, value: string) => `${type}${value}\0`
  const body = Buffer.from(`${field('S', 'FATAL')}${field('V', 'FATAL')}${field('C', code)}${field('M', message)}\0`)
  const length = Buffer.alloc(4)
  length.writeInt32BE(body.length + 4)
  const server: Server = createServer((socket) => {
    socket.once('data', () => socket.end(Buffer.concat([Buffer.from('E'), length, body])))
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      resolve({ url: `postgres://vc:secret@127.0.0.1:${port}/vc`, close: () => server.close() })
    }),
  )
}

describe('a server that refuses the credentials or the plain connection', () => {
  test('a wrong password is an error naming DB_PASSWORD', async () => {
    const server = await refusingServer('28P01', 'password authentication failed for user "vc"')
    try {
      const { logged } = await firstAttempt({ url: server.url, source: 'DB_*' })
      expect(logged[0]).toMatchObject({
        level: 'error',
        msg: 'database misconfigured: the password was refused',
        fix: "set the role's password in DB_PASSWORD",
      })
    } finally {
      server.close()
    }
  })

  test('a server that admits only TLS says to set DATABASE_SSL', async () => {
    const server = await refusingServer(
      '28000',
      'no pg_hba.conf entry for host "127.0.0.1", user "vc", database "vc", no encryption',
    )
    try {
      const { logged, body } = await firstAttempt({ url: server.url })
      expect(logged[0]).toMatchObject({
        level: 'error',
        msg: 'database misconfigured: the server accepts only encrypted connections',
        fix: 'set DATABASE_SSL=verify-full (with DATABASE_CA_FILE) or DATABASE_SSL=require',
      })
      expect(body.state).toBe('misconfigured')
    } finally {
      server.close()
    }
  })
})
