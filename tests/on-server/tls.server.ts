// DATABASE_SSL against a real PostgreSQL behind a TLS-terminating relay that speaks PostgreSQL's
// SSLRequest handshake, with a CA and server certificate made by openssl for this run, the way
// CloudNativePG serves its own CA's certificate (secret `<cluster>-ca`, key `ca.crt`).
import './require-server.ts'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer as createTlsServer } from 'node:tls'
import { sql } from 'drizzle-orm'
import { openPostgres } from '../../src/db/client.ts'
import { diagnoseDatabaseError } from '../../src/db/diagnosis.ts'
import type { DatabaseTls } from '../../src/db/tls.ts'
import { createServerDatabase } from '../support/database.ts'

// Int32 length 8, then the SSLRequest code 1234.5679 (PostgreSQL protocol, "SSLRequest").
const sslRequest = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])

function openssl(cwd: string, ...args: string[]) {
  const result = Bun.spawnSync(['openssl', ...args], { cwd })
  if (result.exitCode !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`)
}

/** A CA, a server certificate it signs for localhost and 127.0.0.1, and an unrelated CA. */
function makeCertificates(dir: string) {
  const subject = (cn: string) => ['-subj', `/CN=${cn}`]
  for (const ca of ['ca', 'other-ca']) {
    openssl(
      dir,
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.crt`,
      ...subject(`${ca} for view-counter tests`),
    )
  }
  openssl(
    dir,
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    ...subject('localhost'),
  )
  Bun.write(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n')
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    'san.ext',
    '-out',
    'server.crt',
  )
}

/** Forwards to PostgreSQL, answering an SSLRequest itself and terminating TLS; counts each kind. */
function startRelay(upstream: URL, dir: string, listenOn: string) {
  const seen = { tls: 0, plain: 0 }
  const upstreamPort = Number(upstream.port || 5432)
  const tlsServer = createTlsServer(
    { key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.crt')) },
    (secure) => {
      seen.tls++
      const database = createConnection(upstreamPort, upstream.hostname)
      secure.pipe(database).pipe(secure)
      secure.on('error', () => database.destroy())
      database.on('error', () => secure.destroy())
    },
  )
  const relay: Server = createServer((client: Socket) => {
    client.once('data', (first: Buffer) => {
      if (first.subarray(0, 8).equals(sslRequest)) {
        client.write('S')
        tlsServer.emit('connection', client)
        return
      }
      seen.plain++
      const database = createConnection(upstreamPort, upstream.hostname)
      database.write(first)
      client.pipe(database).pipe(client)
      client.on('error', () => database.destroy())
      database.on('error', () => client.destroy())
    })
  })
  return new Promise<{ port: number; seen: typeof seen; close(): void }>((resolve) => {
    relay.listen(0, listenOn, () => {
      const { port } = relay.address() as { port: number }
      resolve({ port, seen, close: () => relay.close() })
    })
  })
}

describe('DATABASE_SSL against PostgreSQL', () => {
  let dir: string
  let relay: Awaited<ReturnType<typeof startRelay>>
  let elsewhere: Awaited<ReturnType<typeof startRelay>>
  let database: Awaited<ReturnType<typeof createServerDatabase>>

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vc-tls-'))
    makeCertificates(dir)
    database = await createServerDatabase()
    relay = await startRelay(new URL(database.url), dir, '127.0.0.1')
    elsewhere = await startRelay(new URL(database.url), dir, '127.0.0.2')
  })

  afterAll(async () => {
    relay?.close()
    elsewhere?.close()
    await database?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  function viaRelay(host: string) {
    const url = new URL(database.url)
    url.hostname = host
    url.port = String(host === '127.0.0.2' ? elsewhere.port : relay.port)
    return url.href
  }

  // A query that needs no migrated schema: what is tested is the connection.
  async function ping(host: string, tls: DatabaseTls) {
    const handle = openPostgres({ url: viaRelay(host), poolMax: 1, connectTimeoutMs: 3000, tls })
    try {
      await handle.db.execute(sql`select 1`)
    } finally {
      await handle.close()
    }
  }

  test('verify-full with the CA that signed the server certificate connects over TLS', async () => {
    const before = relay.seen.tls
    await ping('localhost', { mode: 'verify-full', caFile: join(dir, 'ca.crt') })
    await ping('127.0.0.1', { mode: 'verify-full', caFile: join(dir, 'ca.crt') })
    expect(relay.seen.tls).toBe(before + 2)
  })

  test('verify-full refuses a server whose certificate another CA signed', async () => {
    const before = relay.seen.tls
    await expect(ping('localhost', { mode: 'verify-full', caFile: join(dir, 'other-ca.crt') })).rejects.toThrow()
    const refused = await ping('localhost', { mode: 'verify-full' }).catch((error: unknown) => error)
    expect(diagnoseDatabaseError(refused, { source: 'DATABASE_URL', ssl: 'verify-full' })?.summary).toBe(
      "the server's certificate is not trusted",
    )
    expect(relay.seen.tls).toBe(before)
  })

  test('verify-full refuses a certificate that does not name the host dialled', async () => {
    // Same relay, same certificate, reached at 127.0.0.2, which the certificate does not name.
    await expect(ping('127.0.0.2', { mode: 'verify-full', caFile: join(dir, 'ca.crt') })).rejects.toThrow()
    await ping('127.0.0.2', { mode: 'require' })
  })

  test('require encrypts without checking the certificate', async () => {
    const before = relay.seen.tls
    await ping('localhost', { mode: 'require' })
    expect(relay.seen.tls).toBe(before + 1)
  })

  test('disable, the default, stays in plain text', async () => {
    const before = { ...relay.seen }
    await ping('127.0.0.1', { mode: 'disable' })
    expect(relay.seen).toEqual({ tls: before.tls, plain: before.plain + 1 })
  })
})
