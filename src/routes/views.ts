import { Hono } from 'hono'
import type { AppEnv } from '../app.ts'
import { incrementView, rankedCounts, readCount, readCounts } from '../db/counts.ts'
import { slugFromUrl, slugsFromQuery } from '../slug.ts'

const PREFIX = '/views/'

export const viewRoutes = new Hono<AppEnv>()
  .get('/views', async (c) => {
    const { db } = c.var.deps.database
    const slugs = slugsFromQuery(c.req.url)
    return c.json(slugs ? await readCounts(db, slugs) : await rankedCounts(db))
  })
  .get('/views/*', async (c) => {
    const slug = slugFromUrl(c.req.url, PREFIX)
    return c.json({ slug, count: await readCount(c.var.deps.database.db, slug) })
  })
  .post('/views/*', async (c) => {
    const slug = slugFromUrl(c.req.url, PREFIX)
    return c.json({ slug, count: await incrementView(c.var.deps.database.db, slug) })
  })
