import { beforeEach, describe, expect, test } from 'bun:test'
import { type CountingOptions, counting } from '../../src/counting/counting.ts'
import { decodeSlug, InvalidSlug } from '../../src/counting/slug.ts'
import { views } from '../../src/db/schema.ts'
import { useMigratedDatabase } from '../support/database.ts'

// Counting on its own, without an app or a request: plain facts in, a result out.
const database = useMigratedDatabase()
beforeEach(async () => {
  await database.handle.db.delete(views)
})

const browser = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0'
const readers = (overrides: Partial<CountingOptions> = {}) =>
  counting(database.handle.db, {
    mode: 'readers',
    trailingSlash: 'add',
    repeatWindowMinutes: 30,
    ratePerMinute: 0,
    clientIpHeader: 'none',
    ignoreAddresses: [],
    visitorHashSecret: 'a-test-secret-that-is-long-enough-000',
    clock: () => new Date('2026-03-19T12:00:00Z'),
    ...overrides,
  })

describe('counting a view from plain facts', () => {
  test('a reader is counted once, then is a repeat; a bot and an ignored address are not counted', async () => {
    const count = readers({ ignoreAddresses: ['198.51.100.0/24'] })
    expect(await count.view({ slug: 'posts/a/', address: '203.0.113.1', userAgent: browser })).toEqual({
      outcome: 'counted',
      count: 1,
      counted: true,
    })
    expect(await count.view({ slug: 'posts/a/', address: '203.0.113.1', userAgent: browser })).toEqual({
      outcome: 'repeat',
      count: 1,
      counted: false,
    })
    expect(await count.view({ slug: 'posts/a/', address: '203.0.113.2', userAgent: 'Googlebot/2.1' })).toEqual({
      outcome: 'bot',
      count: 1,
      counted: false,
    })
    expect(await count.view({ slug: 'posts/a/', address: '203.0.113.3', userAgent: undefined })).toEqual({
      outcome: 'bot',
      count: 1,
      counted: false,
    })
    expect(await count.view({ slug: 'posts/a/', address: '198.51.100.9', userAgent: browser })).toEqual({
      outcome: 'ignored',
      count: 1,
      counted: false,
    })
  })

  test('over the rate limit the result says how long to wait, and nothing is counted', async () => {
    const count = readers({ ratePerMinute: 1, repeatWindowMinutes: 0 })
    expect((await count.view({ slug: 'posts/r/', address: '203.0.113.4', userAgent: browser })).outcome).toBe('counted')
    expect(await count.view({ slug: 'posts/r/', address: '203.0.113.4', userAgent: browser })).toEqual({
      outcome: 'rate-limited',
      retryAfterSeconds: 60,
    })
    expect(await database.handle.db.select({ count: views.count }).from(views)).toEqual([{ count: 1 }])
  })

  test('a page the site does not have is an unknown page, not an error', async () => {
    const count = readers({
      pages: {
        allows: (slug) => slug === 'posts/known/',
        page: () => undefined,
        size: () => 1,
        refresh: async () => {},
        stop: () => {},
      },
    })
    expect(await count.view({ slug: 'posts/unknown/', address: '203.0.113.5', userAgent: browser })).toEqual({
      outcome: 'unknown-page',
    })
  })

  test('a view whose reader has gone away is not committed', async () => {
    const gone = AbortSignal.abort()
    await expect(
      readers().view({ slug: 'posts/g/', address: '203.0.113.6', userAgent: browser, signal: gone }),
    ).rejects.toThrow()
    expect(await database.handle.db.select().from(views)).toEqual([])
  })
})

describe('an invalid slug', () => {
  test('is a domain error, InvalidSlug, with the reason as its message', () => {
    expect(() => decodeSlug('posts/%E0%A4%A')).toThrow(InvalidSlug)
    expect(() => readers().slug('posts/..')).toThrow('slug must not contain dot segments')
  })
})
