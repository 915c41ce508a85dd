import { beforeAll, describe, expect, test } from 'bun:test'
import { reportRefusedOrigins } from '../../src/http/refused-origins.ts'
import { createLogger } from '../../src/log.ts'
import { appOn } from '../support/app.ts'
import { useMigratedDatabase } from '../support/database.ts'

const database = useMigratedDatabase()
let app: ReturnType<typeof appOn>

beforeAll(() => {
  app = appOn(database.handle, { corsOrigins: ['https://uclab.dev', 'http://localhost:1313'] })
})

describe('CORS', () => {
  test('an allowed origin is echoed back on GET and POST', async () => {
    for (const method of ['GET', 'POST']) {
      const response = await app.request('/views/cors/', { method, headers: { Origin: 'https://uclab.dev' } })
      expect(response.status).toBe(200)
      expect(response.headers.get('access-control-allow-origin')).toBe('https://uclab.dev')
    }
  })

  test('any other origin gets no Access-Control-Allow-Origin', async () => {
    for (const origin of ['https://evil.example', 'https://uclab.dev.evil.example', 'http://uclab.dev', 'null']) {
      const response = await app.request('/views/cors/', { headers: { Origin: origin } })
      expect(response.headers.get('access-control-allow-origin')).toBeNull()
    }
  })

  test('a preflight from an allowed origin allows GET and POST', async () => {
    const response = await app.request('/views/cors/', {
      method: 'OPTIONS',
      headers: { Origin: 'http://localhost:1313', 'Access-Control-Request-Method': 'POST' },
    })
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:1313')
    expect(response.headers.get('access-control-allow-methods')).toContain('POST')
    expect(response.headers.get('access-control-allow-methods')).toContain('GET')
  })

  test('a preflight from another origin is not allowed', async () => {
    const response = await app.request('/views/cors/', {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    })
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
  })

  test('a POST from another origin is refused with 403 and counts nothing, though CORS alone would not stop it', async () => {
    const response = await app.request('/views/foreign/', {
      method: 'POST',
      headers: { Origin: 'https://evil.example' },
    })
    expect(response.status).toBe(403)
    expect(await response.json()).toEqual({ error: 'origin not allowed' })
    expect(await (await app.request('/views/foreign/')).json()).toEqual({ slug: 'foreign/', count: 0 })
  })

  test('a POST with no Origin (curl, server-side) is counted', async () => {
    expect((await app.request('/views/no-origin/', { method: 'POST' })).status).toBe(200)
  })
})

describe('a refused origin in the log', () => {
  test('is logged once with the origin and the setting that admits it, however many POSTs it sends', async () => {
    const lines: string[] = []
    const logging = appOn(database.handle, {
      corsOrigins: ['https://uclab.dev'],
      log: createLogger('warn', (line) => void lines.push(line)),
    })
    for (let i = 0; i < 5; i++) {
      const response = await logging.request('/views/p/', { method: 'POST', headers: { Origin: 'https://blog.test' } })
      expect(response.status).toBe(403)
    }
    const logged = lines.map((line) => JSON.parse(line))
    expect(logged).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'view refused: its origin is not in CORS_ORIGINS',
        origin: 'https://blog.test',
        fix: 'add https://blog.test to CORS_ORIGINS if it is your site',
      }),
    ])
  })

  test('is logged again after the quiet period, and remembers a bounded number of origins', () => {
    const origins: string[] = []
    let now = 0
    const report = reportRefusedOrigins(
      createLogger('warn', (line) => void origins.push(JSON.parse(line).origin)),
      { everyMs: 1000, remember: 2, now: () => now },
    )
    report('https://a.test')
    report('https://a.test')
    now = 1000
    report('https://a.test')
    report('https://b.test')
    report('https://c.test')
    // c pushed out a, the longest remembered, so a is logged again; c, still remembered, is not.
    report('https://a.test')
    report('https://c.test')
    expect(origins).toEqual(['https://a.test', 'https://a.test', 'https://b.test', 'https://c.test', 'https://a.test'])
  })
})
