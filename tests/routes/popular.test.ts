import { beforeEach, describe, expect, test } from 'bun:test'
import { dailyViews, views } from '../../src/db/schema.ts'
import type { Site } from '../../src/http/site-pages.ts'
import { appOn, everyView } from '../support/app.ts'
import { useMigratedDatabase } from '../support/database.ts'

const database = useMigratedDatabase()
beforeEach(async () => {
  for (const table of [views, dailyViews]) await database.handle.db.delete(table)
})

const now = new Date('2026-03-19T12:00:00Z')
const token = 'sixteen-chars-at-least.0123'
const titles = new Map([['posts/b/', { title: 'B <b>' }]])
const site: Site = { url: 'https://blog.example/', pages: { page: (slug) => titles.get(slug) } }
// Private stats: /popular stays as public as /views.
const app = () =>
  appOn(database.handle, {
    countingOptions: { ...everyView, clock: () => now },
    statsCredentials: { token },
    readCacheMs: 0,
    site,
  })

async function seed() {
  await database.handle.db.insert(dailyViews).values([
    { slug: 'posts/a/', day: '2026-03-19', count: 5 },
    { slug: 'posts/b/', day: '2026-03-10', count: 5 },
    { slug: 'posts/c/', day: '2026-03-18', count: 9 },
    { slug: 'posts/c/', day: '2026-02-01', count: 50 },
    { slug: 'posts/d/', day: '2026-03-01', count: 1 },
  ])
}

describe('GET /popular', () => {
  test('lists the most viewed pages of the last 30 days, ties by slug, with titles and links, without credentials', async () => {
    await seed()
    const response = await app().request('/popular')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual([
      { slug: 'posts/c/', title: null, url: 'https://blog.example/posts/c/', count: 9 },
      { slug: 'posts/a/', title: null, url: 'https://blog.example/posts/a/', count: 5 },
      { slug: 'posts/b/', title: 'B <b>', url: 'https://blog.example/posts/b/', count: 5 },
      { slug: 'posts/d/', title: null, url: 'https://blog.example/posts/d/', count: 1 },
    ])
  })

  test('days and top choose the window and how many', async () => {
    await seed()
    const slugs = async (query: string) =>
      ((await (await app().request(`/popular?${query}`)).json()) as { slug: string }[]).map((page) => page.slug)
    expect(await slugs('days=1')).toEqual(['posts/a/'])
    expect(await slugs('days=2&top=1')).toEqual(['posts/c/'])
    expect(await slugs('days=366&top=2')).toEqual(['posts/c/', 'posts/a/'])
    expect(await slugs('days=60&top=5')).toEqual(['posts/c/', 'posts/a/', 'posts/b/', 'posts/d/'])
  })

  test('a bad days or top is a 400 naming it', async () => {
    for (const [query, name] of [
      ['days=0', 'days:'],
      ['days=367', 'days:'],
      ['top=0', 'top:'],
      ['top=101', 'top:'],
      ['days=x', 'days:'],
    ]) {
      const response = await app().request(`/popular?${query}`)
      expect(response.status).toBe(400)
      expect(((await response.json()) as { error: string }).error).toStartWith(name!)
    }
  })

  test('is cached with an ETag, readable cross-origin like /views, and a 304 keeps the CORS header', async () => {
    await seed()
    const origin = { Origin: 'https://uclab.dev' }
    const first = await app().request('/popular', { headers: origin })
    expect(first.headers.get('access-control-allow-origin')).toBe('https://uclab.dev')
    expect(first.headers.get('cache-control')).toBe('public, max-age=2')
    const again = await app().request('/popular', {
      headers: { ...origin, 'If-None-Match': first.headers.get('etag')! },
    })
    expect(again.status).toBe(304)
    expect(again.headers.get('access-control-allow-origin')).toBe('https://uclab.dev')
  })

  test('an empty site is an empty list; POST is a 405', async () => {
    expect(await (await app().request('/popular')).json()).toEqual([])
    const post = await app().request('/popular', { method: 'POST' })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD')
  })
})
