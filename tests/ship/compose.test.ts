// deploy/compose/compose.yaml checked offline: against the Compose specification's JSON schema, and
// against the service itself (the variables src/env.ts reads, the routes it serves, its port), as
// app-contract.test.ts does for the Kubernetes manifests.
import { describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Ajv from 'ajv'
import { parse } from 'yaml'
import { startService } from '../../harness/service.ts'
import { envNames, parseEnv } from '../../src/env.ts'
import { createHealthRoute } from '../../src/http/routes/health.ts'
import { backend, createServerDatabase } from '../support/database.ts'

const repoRoot = join(import.meta.dir, '../..')
const directory = join(repoRoot, 'deploy/compose')
const source = readFileSync(join(directory, 'compose.yaml'), 'utf8')
const envExample = readFileSync(join(directory, '.env.example'), 'utf8')

// The .env a user makes from .env.example; blanks (the secrets) get stand-ins long enough to pass.
const userEnv = Object.fromEntries(
  envExample
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => {
      const [name, value] = line.split(/=(.*)/) as [string, string]
      return [name, value || `stand-in-${name.toLowerCase()}-`.padEnd(40, 'x')]
    }),
)

// Compose's interpolation, the forms the file uses: ${NAME}, ${NAME:-default}, ${NAME:?message}.
const interpolations = [...source.matchAll(/\$\{([A-Z_]+)(?::([-?])([^}]*))?\}/g)]
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{([A-Z_]+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind?: string, rest?: string) => {
    const value = env[name]
    if (value) return value
    if (kind === '?') throw new Error(`${name}: ${rest}`)
    return rest ?? ''
  })
}
const compose = parse(interpolate(source, userEnv))
const service = compose.services['view-counter']
const postgres = compose.services.postgres
const serviceEnv: Record<string, string> = service.environment
const env = parseEnv(serviceEnv)

describe('the Compose file', () => {
  test('is valid under the Compose specification (ajv, strict)', () => {
    // dclint ships the specification's schema: identical to compose-spec/compose-spec
    // schema/compose-spec.json at commit 58a2548 (July 2025).
    // It names draft-07 by an https URL, which Ajv (whose default draft-07 is) keys as http.
    const { $schema, ...schema } = JSON.parse(
      readFileSync(join(repoRoot, 'node_modules/dclint/schemas/compose.schema.json'), 'utf8'),
    )
    expect($schema).toBe('https://json-schema.org/draft-07/schema')
    const validate = new Ajv({ strict: true, strictTypes: false, allErrors: true }).compile(schema)
    validate(compose)
    expect(validate.errors ?? []).toEqual([])
  })

  test('.env.example names exactly the variables the file interpolates', () => {
    const interpolated = new Set(interpolations.map((match) => match[1]!))
    expect(Object.keys(userEnv).sort()).toEqual([...interpolated].sort())
  })

  test('refuses to start until the secrets are filled in, naming the one missing', () => {
    expect(() => interpolate(source, { ...userEnv, POSTGRES_PASSWORD: '' })).toThrow(
      'POSTGRES_PASSWORD: set POSTGRES_PASSWORD in .env',
    )
    expect(() => interpolate(source, { ...userEnv, VISITOR_HASH_SECRET: '' })).toThrow(
      'VISITOR_HASH_SECRET: set VISITOR_HASH_SECRET in .env',
    )
  })

  test('builds the service from the repository Dockerfile', () => {
    expect(existsSync(join(directory, service.build.context, 'Dockerfile'))).toBe(true)
    expect(service.image).toBeUndefined()
  })
})

describe('what the service gets', () => {
  test('every variable it sets is one the service reads, and together they parse', () => {
    const read = new Set(envNames)
    expect(Object.keys(serviceEnv).filter((name) => !read.has(name))).toEqual([])
    expect(env.CORS_ORIGINS).toEqual(['https://blog.example.com'])
    expect(env.VISITOR_HASH_SECRET).toBe(userEnv.VISITOR_HASH_SECRET)
  })

  test('it connects to the PostgreSQL service, with the database, user and password PostgreSQL is given', () => {
    const url = new URL(env.DATABASE_URL!)
    expect(url.hostname).toBe('postgres')
    expect(decodeURIComponent(url.pathname.slice(1))).toBe(postgres.environment.POSTGRES_DB)
    expect(decodeURIComponent(url.username)).toBe(postgres.environment.POSTGRES_USER)
    expect(decodeURIComponent(url.password)).toBe(postgres.environment.POSTGRES_PASSWORD)
    expect(postgres.healthcheck.test).toEqual([
      'CMD',
      'pg_isready',
      `--username=${url.username}`,
      `--dbname=${url.pathname.slice(1)}`,
    ])
  })

  test('its port is published on 127.0.0.1 only, and /metrics is not published', () => {
    expect(service.ports).toEqual([`127.0.0.1:${env.PORT}:${env.PORT}`])
    expect(env.METRICS_PORT).toBeDefined()
    expect(service.ports.some((port: string) => port.endsWith(`:${env.METRICS_PORT}`))).toBe(false)
  })

  test('it trusts only the header the proxy in front sets', () => {
    expect(env.CLIENT_IP_HEADER).toBe('x-forwarded-for')
  })

  test('runs as the pod does: read-only root, a small /tmp, no capabilities, no privilege gain', () => {
    expect(service.read_only).toBe(true)
    expect(service.tmpfs).toEqual(['/tmp:size=16m'])
    expect(service.cap_drop).toEqual(['ALL'])
    for (const each of [service, postgres]) {
      expect(each.security_opt).toContain('no-new-privileges:true')
      expect(each.restart).toBe('unless-stopped')
    }
  })

  test('PostgreSQL keeps its data in a named volume, mounted where the 18+ image wants it', () => {
    expect(postgres.image).toMatch(/postgres:18$/)
    expect(postgres.volumes).toEqual(['postgres-data:/var/lib/postgresql'])
    expect(Object.keys(compose.volumes)).toEqual(['postgres-data'])
    expect(service.depends_on).toEqual({ postgres: { condition: 'service_healthy' } })
  })

  test('stopping waits longer than the service takes to shut down', () => {
    expect(Number.parseInt(service.stop_grace_period, 10)).toBeGreaterThan(env.SHUTDOWN_TIMEOUT_MS / 1000)
  })
})

describe('the service health check', () => {
  const [form, binary, flag, script] = service.healthcheck.test as string[]
  const url = new URL(script!.match(/fetch\('([^']+)'\)/)![1]!)

  test("runs the image's own Bun (it has no shell or curl) against a route the service serves", () => {
    const entrypoint = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8').match(/^ENTRYPOINT \["([^"]+)"/m)![1]
    expect([form, binary, flag]).toEqual(['CMD', entrypoint, '-e'])
    expect(Number(url.port)).toBe(env.PORT)
    const served = createHealthRoute({ state: () => 'ready' })
      .routes.filter((route) => route.method === 'GET')
      .map((route) => route.path)
    expect(served).toContain(url.pathname)
  })

  test('exits 0 while the service is ready and 1 once it is gone', async () => {
    const database = backend === 'postgres' ? await createServerDatabase() : undefined
    const dataDir = database ? undefined : mkdtempSync(join(tmpdir(), 'vc-healthcheck-'))
    const running = await startService({ env: database ? { DATABASE_URL: database.url } : { DATA_DIR: dataDir } })
    const check = () =>
      Bun.spawn(['bun', '-e', script!.replace(url.origin, running.url)], { stdout: 'ignore', stderr: 'ignore' }).exited
    try {
      expect(await check()).toBe(0)
    } finally {
      await running.stop()
      await database?.drop()
      if (dataDir) rmSync(dataDir, { recursive: true, force: true })
    }
    expect(await check()).toBe(1)
  }, 60_000)
})
