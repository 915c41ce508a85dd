import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { z } from 'zod'
import type { AppContext, AppEnv } from '../app.ts'
import { rankedCounts, readCount, readCounts } from '../../db/counts.ts'
import { dailyCounts, siteSummary } from '../../db/history.ts'
import { MAX_BATCH_SLUGS, slugFromUrl, slugListFromQuery } from '../../counting/slug.ts'
import { validate } from '../validate.ts'
import { conditionalGet } from '../conditional-get.ts'

const PREFIX = '/views/'
const days = z.coerce.number().int().min(1).max(366)

// Reads go through the short-lived cache and carry an ETag, so a burst of readers (or Cloudflare's
// edge revalidating) costs one query, and an unchanged answer costs no body at all (conditionalGet).
async function cachedJson(c: AppContext, key: string, load: () => Promise<unknown>) {
  const { body, etag } = await c.var.deps.reads.get(key, load)
  return c.body(body, 200, { 'Content-Type': 'application/json', ETag: etag, 'Cache-Control': 'public, max-age=2' })
}

export const viewRoutes = new Hono<AppEnv>()
  .get('/views', conditionalGet(), async (c) => {
    const { database, counting } = c.var.deps
    const raw = slugListFromQuery(c.req.url, MAX_BATCH_SLUGS)
    if (!raw) return cachedJson(c, 'all', () => rankedCounts(database.db))
    const slugs = [...new Set(raw.map(counting.slug))]
    return cachedJson(c, `some:${slugs.join('\n')}`, () => readCounts(database.db, slugs))
  })
  .get('/views/*', conditionalGet(), validate('query', z.object({ days: days.optional() })), async (c) => {
    const { database, counting } = c.var.deps
    const slug = counting.slug(slugFromUrl(c.req.url, PREFIX))
    const { days } = c.req.valid('query')
    if (days === undefined) return cachedJson(c, `one:${slug}`, async () => ({ slug, count: await readCount(database.db, slug) }))
    const count = await readCount(database.db, slug)
    return c.json({ slug, count, daily: await dailyCounts(database.db, slug, counting.today(), days) })
  })
  // A view takes no body. Bun refuses a chunked body over maxRequestBodySize only once the handler
  // has run, so its 413 came after the view was counted; any body is refused before counting.
  .post('/views/*', async function refuseBody(c, next) {
    if (Number(c.req.header('content-length') ?? 0) !== 0 || c.req.header('transfer-encoding') !== undefined) {
      throw new HTTPException(413, { message: 'a view takes no request body' })
    }
    await next()
  }, async (c) => {
    const { counting } = c.var.deps
    const slug = counting.slug(slugFromUrl(c.req.url, PREFIX))
    const { count, counted, outcome } = await counting.view(c, slug)
    c.set('outcome', outcome)
    // COUNT_MODE=every answers exactly as the reference did; otherwise say whether this view counted.
    return c.json(counting.mode === 'every' ? { slug, count } : { slug, count, counted })
  })
  .get('/summary', validate('query', z.object({ top: z.coerce.number().int().min(1).max(100).default(10) })), async (c) => {
    const { database, counting } = c.var.deps
    return c.json(await siteSummary(database.db, counting.today(), c.req.valid('query').top))
  })
