import { Hono } from 'hono'
import type { AppEnv } from '../app.ts'
import { rankedCounts, readCount, readCounts } from '../db/counts.ts'
import { MAX_BATCH_SLUGS, slugFromUrl, slugListFromQuery } from '../slug.ts'

const PREFIX = '/views/'

export const viewRoutes = new Hono<AppEnv>()
  .get('/views', async (c) => {
    const { database, counting } = c.var.deps
    const raw = slugListFromQuery(c.req.url, MAX_BATCH_SLUGS)
    if (!raw) return c.json(await rankedCounts(database.db))
    return c.json(await readCounts(database.db, [...new Set(raw.map(counting.slug))]))
  })
  .get('/views/*', async (c) => {
    const { database, counting } = c.var.deps
    const slug = counting.slug(slugFromUrl(c.req.url, PREFIX))
    return c.json({ slug, count: await readCount(database.db, slug) })
  })
  .post('/views/*', async (c) => {
    const { counting } = c.var.deps
    const slug = counting.slug(slugFromUrl(c.req.url, PREFIX))
    const { count, counted, outcome } = await counting.view(c, slug)
    c.set('outcome', outcome)
    // COUNT_MODE=every answers exactly as the reference did; otherwise say whether this view counted.
    return c.json(counting.mode === 'every' ? { slug, count } : { slug, count, counted })
  })
