// The Caddy example and the systemd unit in deploy/, checked against the service and each other:
// the port Caddy proxies to is the one the service listens on, the header the service trusts is
// the one Caddy sets, and every variable the unit passes is one the service reads.
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { envNames, parseEnv } from '../../src/env.ts'

const repoRoot = join(import.meta.dir, '../..')
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8')
const withoutComments = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))

// Caddy (2.5 and later) replaces X-Forwarded-For with the address it saw, keeping what a client
// sent only when that client is in trusted_proxies (caddyserver/caddy,
// modules/caddyhttp/reverseproxy/reverseproxy.go, addForwardedHeaders). It sets no X-Real-IP and
// passes one a client sends straight through, so that header would let any reader pick an address.
const headerCaddySets = 'x-forwarded-for'

const caddyfile = withoutComments(read('deploy/caddy/Caddyfile'))
const upstreams = caddyfile
  .filter((line) => line.startsWith('reverse_proxy '))
  .map((line) => new URL(`http://${line.split(/\s+/)[1]}`))

// A unit file as [section, key, value] entries; keys may repeat (Environment=).
const unit = read('deploy/systemd/view-counter.service')
  .split('\n')
  .reduce<{ section: string; entries: [string, string, string][] }>(
    (state, raw) => {
      const line = raw.trim()
      if (!line || line.startsWith('#')) return state
      if (line.startsWith('[')) {
        state.section = line.slice(1, -1)
        return state
      }
      const [key, value] = line.split(/=(.*)/) as [string, string]
      state.entries.push([state.section, key, value])
      return state
    },
    { section: '', entries: [] },
  ).entries
const service = (key: string) =>
  unit.filter(([section, name]) => section === 'Service' && name === key).map(([, , value]) => value)
const unitEnv = Object.fromEntries(
  service('Environment').map((assignment) => assignment.split(/=(.*)/).slice(0, 2) as [string, string]),
)
const envFileExample = Object.fromEntries(
  withoutComments(read('deploy/systemd/view-counter.env.example')).map((line) => {
    const [name, value] = line.split(/=(.*)/) as [string, string]
    return [name, value || 'stand-in-secret-'.padEnd(40, 'x')]
  }),
)
// Variables Bun itself reads, which the image sets too: the Dockerfile's ENV names.
const runtimeNames = [...read('Dockerfile').matchAll(/^\s*(?:ENV\s+)?([A-Z][A-Za-z0-9_]*)=/gm)].map(
  (match) => match[1]!,
)
const appEnv = Object.fromEntries(
  Object.entries({ ...unitEnv, ...envFileExample }).filter(([name]) => envNames.includes(name)),
)
const env = parseEnv(appEnv)

const compose = parse(read('deploy/compose/compose.yaml'))
const composeEnv = parseEnv(
  Object.fromEntries(
    Object.entries(compose.services['view-counter'].environment as Record<string, string>).map(([name, value]) => [
      name,
      value.startsWith('${') ? '' : value,
    ]),
  ),
)

describe('the Caddy example', () => {
  test('proxies to the port the service listens on, on this machine, as compose publishes it and the unit sets it', () => {
    expect(upstreams.length).toBe(1)
    const [upstream] = upstreams
    expect(upstream!.hostname).toBe('127.0.0.1')
    expect(Number(upstream!.port)).toBe(parseEnv({}).PORT)
    expect(compose.services['view-counter'].ports).toEqual([`127.0.0.1:${upstream!.port}:${composeEnv.PORT}`])
    expect(env.PORT).toBe(Number(upstream!.port))
  })

  test('the service behind it trusts the header Caddy sets, and Caddy is not told to keep one from a client', () => {
    expect(composeEnv.CLIENT_IP_HEADER).toBe(headerCaddySets)
    expect(env.CLIENT_IP_HEADER).toBe(headerCaddySets)
    expect(caddyfile.filter((line) => /^(header_up|trusted_proxies)\b/.test(line))).toEqual([])
  })
})

describe('the systemd unit', () => {
  test('runs the service with Bun, as `bun run start` and the image do', () => {
    const [binary, ...args] = service('ExecStart')[0]!.split(' ')
    expect(binary).toBe('/usr/local/bin/bun')
    const startScript = JSON.parse(read('package.json')).scripts.start.split(' ').slice(1)
    expect(args.filter((arg) => !arg.startsWith('-'))).toEqual(startScript)
    // The image runs the same entry with the same flags, bundled at build time (`bun run build`).
    const flags = args.filter((arg) => arg.startsWith('-'))
    const build = JSON.parse(read('package.json')).scripts.build as string
    expect(build).toStartWith(`bun build ${startScript.join(' ')} `)
    expect(read('Dockerfile')).toContain('RUN bun run build\n')
    expect(read('Dockerfile')).toContain(
      `ENTRYPOINT ["/usr/local/bin/bun", ${[...flags, 'dist/server/index.js'].map((arg) => `"${arg}"`).join(', ')}]`,
    )
    expect(build).toContain('--outdir dist/server ')
    expect(service('WorkingDirectory')[0]).toStartWith('/')
  })

  test('passes only variables the service or Bun reads, and they parse', () => {
    const unknown = Object.keys({ ...unitEnv, ...envFileExample }).filter(
      (name) => !envNames.includes(name) && !runtimeNames.includes(name),
    )
    expect(unknown).toEqual([])
    expect(Object.keys(envFileExample).filter((name) => name in unitEnv)).toEqual([])
    expect(env.CORS_ORIGINS).toEqual(['https://blog.example.com'])
  })

  test('keeps the embedded database in its state directory and listens on this machine only', () => {
    expect(env.DATABASE_URL).toBeUndefined()
    expect(env.DATA_DIR).toBe(`%S/${service('StateDirectory')[0]}`)
    expect(env.HOST).toBe('127.0.0.1')
    expect(env.METRICS_PORT).toBeDefined()
  })

  test('gives the service time to stop on its own before systemd kills it', () => {
    expect(Number(service('TimeoutStopSec')[0])).toBeGreaterThan(env.SHUTDOWN_TIMEOUT_MS / 1000)
  })

  test('runs as a throwaway user with a read-only system and no way to gain privileges', () => {
    expect(service('DynamicUser')).toEqual(['yes'])
    expect(service('ProtectSystem')).toEqual(['strict'])
    expect(service('ProtectHome')).toEqual(['yes'])
    expect(service('NoNewPrivileges')).toEqual(['yes'])
    expect(service('PrivateTmp')).toEqual(['yes'])
    expect(service('CapabilityBoundingSet')).toEqual([''])
  })
})
