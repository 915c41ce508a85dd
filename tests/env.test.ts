import { describe, expect, test } from 'bun:test'
import { parseEnv } from '../src/env.ts'

describe('configuration', () => {
  test('defaults: port 9313, only the local Hugo server as an origin, no database (embedded)', () => {
    const env = parseEnv({})
    expect(env.PORT).toBe(9313)
    expect(env.CORS_ORIGINS).toEqual(['http://localhost:1313'])
    expect(env.DATABASE_URL).toBeUndefined()
    expect(env.DB_POOL_MAX).toBe(10)
  })

  test("the reference's DB_* variables build the connection URL, escaping the password", () => {
    const env = parseEnv({
      DB_HOST: 'view-counter-db-rw',
      DB_NAME: 'view-counter',
      DB_USER: 'view-counter',
      DB_PASSWORD: 'p@ss/w:rd',
    })
    expect(env.DATABASE_URL).toBe('postgres://view-counter:p%40ss%2Fw%3Ard@view-counter-db-rw:5432/view-counter')
  })

  test('DATABASE_URL wins over DB_*', () => {
    expect(parseEnv({ DATABASE_URL: 'postgres://u@h/db', DB_HOST: 'other' }).DATABASE_URL).toBe('postgres://u@h/db')
  })

  test("SITE_URL links the stats page's pages; unset, it is the origin of SITE_PAGES_URL; only http(s)", () => {
    const pagesUrl = 'https://blog.example/view-counter/pages.json'
    expect(parseEnv({}).SITE_URL).toBeUndefined()
    expect(parseEnv({ SITE_PAGES_URL: pagesUrl }).SITE_URL).toBe('https://blog.example/')
    expect(parseEnv({ SITE_PAGES_URL: pagesUrl, SITE_URL: 'https://www.blog.example/' }).SITE_URL).toBe(
      'https://www.blog.example/',
    )
    expect(() => parseEnv({ SITE_URL: 'javascript:alert(1)' })).toThrow('SITE_URL: must be a https?: URL')
  })

  test('breakdowns: no country header, 200 values a kind a day, kept for ever; the header name read lower-case', () => {
    const env = parseEnv({})
    expect([env.COUNTRY_HEADER, env.BREAKDOWN_VALUES_PER_DAY, env.BREAKDOWN_RETENTION_DAYS]).toEqual([
      undefined,
      200,
      0,
    ])
    expect(parseEnv({ COUNTRY_HEADER: 'CF-IPCountry' }).COUNTRY_HEADER).toBe('cf-ipcountry')
  })

  test('CORS_ORIGINS is a comma-separated list, blanks ignored', () => {
    expect(parseEnv({ CORS_ORIGINS: 'https://a.example, https://b.example,' }).CORS_ORIGINS).toEqual([
      'https://a.example',
      'https://b.example',
    ])
  })

  test('CORS_ORIGINS entries become the Origin a browser sends: lower-case, no default port, no trailing slash', () => {
    expect(
      parseEnv({ CORS_ORIGINS: 'http://blog.test:8080/,HTTPS://Blog.Example:443,http://[::1]:1313/' }).CORS_ORIGINS,
    ).toEqual(['http://blog.test:8080', 'https://blog.example', 'http://[::1]:1313'])
    expect(parseEnv({ CORS_ORIGINS: 'https://bücher.example' }).CORS_ORIGINS).toEqual(['https://xn--bcher-kva.example'])
  })

  test('a CORS_ORIGINS entry with a path, a query or a user name is refused with the origin to write instead', () => {
    expect(() => parseEnv({ CORS_ORIGINS: 'http://blog.test:8080/blog/' })).toThrow(
      'CORS_ORIGINS: "http://blog.test:8080/blog/" has a path; use "http://blog.test:8080"',
    )
    expect(() => parseEnv({ CORS_ORIGINS: 'https://blog.test/?utm=x' })).toThrow(
      'CORS_ORIGINS: "https://blog.test/?utm=x" has a query; use "https://blog.test"',
    )
    expect(() => parseEnv({ CORS_ORIGINS: 'https://me@blog.test' })).toThrow(
      'CORS_ORIGINS: "https://me@blog.test" has a user name; use "https://blog.test"',
    )
  })

  test('a CORS_ORIGINS entry without a scheme is refused with the scheme added; every bad entry is named', () => {
    expect(() => parseEnv({ CORS_ORIGINS: 'blog.test,localhost:1313,ftp://blog.test' })).toThrow(
      [
        'CORS_ORIGINS: "blog.test" is not an http(s) origin; use "https://blog.test"',
        'CORS_ORIGINS: "localhost:1313" is not an http(s) origin; use "http://localhost:1313"',
        'CORS_ORIGINS: "ftp://blog.test" is not an http(s) origin',
      ].join('\n  '),
    )
  })

  test('an empty variable counts as unset', () => {
    expect(parseEnv({ PORT: '' }).PORT).toBe(9313)
  })

  const bad: [string, Record<string, string>][] = [
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['DB_PORT', { DB_PORT: '-1' }],
    ['DB_POOL_MAX', { DB_POOL_MAX: '0' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x@y/z' }],
    ['CORS_ORIGINS', { CORS_ORIGINS: 'uclab.dev' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['DATABASE_SSL', { DATABASE_SSL: 'verify-ca' }],
    ['DATABASE_SSL', { DATABASE_SSL: 'true' }],
    ['COUNTRY_HEADER', { COUNTRY_HEADER: 'CF IPCountry' }],
    ['BREAKDOWN_VALUES_PER_DAY', { BREAKDOWN_VALUES_PER_DAY: '0' }],
    ['BREAKDOWN_RETENTION_DAYS', { BREAKDOWN_RETENTION_DAYS: '-1' }],
  ]
  for (const [name, source] of bad) {
    test(`a bad ${name} (${Object.values(source)[0]}) is refused with a message naming it`, () => {
      expect(() => parseEnv(source)).toThrow(new RegExp(`\\b${name}\\b`))
    })
  }

  test('DATABASE_SSL defaults to plain connections; verify-full takes the CA file', () => {
    expect(parseEnv({}).DATABASE_SSL).toBe('disable')
    expect(parseEnv({}).DATABASE_CA_FILE).toBeUndefined()
    expect(parseEnv({ DATABASE_SSL: 'require' }).DATABASE_SSL).toBe('require')
    expect(parseEnv({ DATABASE_SSL: 'verify-full', DATABASE_CA_FILE: '/etc/view-counter/db-ca/ca.crt' })).toMatchObject(
      {
        DATABASE_SSL: 'verify-full',
        DATABASE_CA_FILE: '/etc/view-counter/db-ca/ca.crt',
      },
    )
  })

  test('a DATABASE_CA_FILE without DATABASE_SSL=verify-full is refused, naming both', () => {
    for (const mode of [undefined, 'disable', 'require']) {
      expect(() => parseEnv({ DATABASE_CA_FILE: '/ca.crt', ...(mode ? { DATABASE_SSL: mode } : {}) })).toThrow(
        'DATABASE_CA_FILE: is only used with DATABASE_SSL=verify-full',
      )
    }
  })

  test('STATS_USER and STATS_PASSWORD come together; either alone is refused naming the other', () => {
    expect(parseEnv({ STATS_USER: 'owner', STATS_PASSWORD: 'secret' })).toMatchObject({
      STATS_USER: 'owner',
      STATS_PASSWORD: 'secret',
    })
    expect(() => parseEnv({ STATS_USER: 'owner' })).toThrow('STATS_PASSWORD: is required when STATS_USER is set')
    expect(() => parseEnv({ STATS_PASSWORD: 'secret' })).toThrow('STATS_USER: is required when STATS_PASSWORD is set')
    expect(() => parseEnv({ STATS_USER: 'own:er', STATS_PASSWORD: 'secret' })).toThrow(/\bSTATS_USER\b.*colon/)
  })

  test('STATS_TOKEN must be a usable Bearer token of at least 16 characters', () => {
    expect(parseEnv({ STATS_TOKEN: 'k3Jx-9_vQ.Zt~+/w0==' }).STATS_TOKEN).toBe('k3Jx-9_vQ.Zt~+/w0==')
    for (const token of ['short', 'has spaces in the token', 'quote"in-the-token!'])
      expect(() => parseEnv({ STATS_TOKEN: token })).toThrow(/\bSTATS_TOKEN\b/)
  })

  test('the service refuses to start on a bad variable and says which', async () => {
    const child = Bun.spawn(['bun', 'src/index.ts'], {
      env: { PATH: process.env.PATH, PORT: 'abc' },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    expect(await child.exited).toBe(1)
    expect(await new Response(child.stderr).text()).toContain('PORT')
  })
})
