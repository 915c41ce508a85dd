import { beforeEach, describe, expect, test } from 'bun:test'
import { dailyViews, recentVisits, views } from '../../src/db/schema.ts'
import { appOn, readerViews } from '../support/app.ts'
import { useMigratedDatabase } from '../support/database.ts'

const database = useMigratedDatabase()
beforeEach(async () => {
  for (const table of [views, dailyViews, recentVisits]) await database.handle.db.delete(table)
})

const totals = async () =>
  Object.fromEntries(
    (await database.handle.db.select({ slug: views.slug, count: views.count }).from(views)).map((row) => [
      row.slug,
      row.count,
    ]),
  )

describe('batched recording', () => {
  test('two replicas writing overlapping slugs at once: exact totals, distinct numbers per slug, no deadlock', async () => {
    const replicas = [appOn(database.handle), appOn(database.handle)]
    const slugs = Array.from({ length: 20 }, (_, i) => `posts/s${i}/`)
    const requests = Array.from({ length: 600 }, (_, i) => ({
      app: replicas[i % 2]!,
      slug: slugs[(i * 7) % slugs.length]!,
    }))
    const answers = await Promise.all(
      requests.map(async ({ app, slug }) => {
        const response = await app.request(`/views/${slug}`, { method: 'POST' })
        expect(response.status).toBe(200)
        return (await response.json()) as { slug: string; count: number }
      }),
    )
    const bySlug = Map.groupBy(answers, (answer) => answer.slug)
    const stored = await totals()
    for (const [slug, group] of bySlug) {
      expect(stored[slug]).toBe(group.length)
      expect(group.map((answer) => answer.count).sort((a, b) => a - b)).toEqual(
        Array.from({ length: group.length }, (_, i) => i + 1),
      )
    }
    const daily = await database.handle.db.select().from(dailyViews)
    expect(daily.reduce((sum, row) => sum + row.count, 0)).toBe(600)
  })

  test('readers: a burst of many readers on many pages, each reader twice per page, counts each once', async () => {
    const app = appOn(database.handle, {
      countingOptions: {
        ...readerViews,
      },
    })
    const visits = Array.from({ length: 30 }, (_, reader) =>
      ['a', 'b', 'c'].flatMap((page) => [page, page].map((p) => ({ reader, page: p }))),
    ).flat()
    const answers = await Promise.all(
      visits.map(async ({ reader, page }) => {
        const response = await app.request(`/views/posts/${page}/`, {
          method: 'POST',
          headers: { 'User-Agent': 'Mozilla/5.0 Firefox/140.0', 'X-Forwarded-For': `192.0.2.${reader}` },
        })
        return { page, ...((await response.json()) as { count: number; counted: boolean }) }
      }),
    )
    expect(await totals()).toEqual({ 'posts/a/': 30, 'posts/b/': 30, 'posts/c/': 30 })
    for (const page of ['a', 'b', 'c']) {
      const counted = answers.filter((answer) => answer.page === page && answer.counted).map((answer) => answer.count)
      expect(counted.sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
    }
    expect(answers.filter((answer) => !answer.counted).length).toBe(90)
  })
})
