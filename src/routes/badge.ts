import { Hono } from 'hono'
import { etag } from 'hono/etag'
import { z } from 'zod'
import type { AppEnv } from '../app.ts'
import { readCount } from '../db/counts.ts'
import { renderBadge } from '../stats/badge.tsx'
import { formatCount } from '../stats/format.ts'
import { slugFromUrl } from '../slug.ts'
import { validate } from '../validate.ts'

const PREFIX = '/badge/'
// Five minutes: a README or a post may show the badge on every load, and a count that is a few
// minutes old is fine there; the ETag lets caches revalidate it cheaply.
const headers = {
  'Content-Type': 'image/svg+xml; charset=utf-8',
  'Cache-Control': 'public, max-age=300',
  // An SVG opened on its own is a document; it needs no script and gets none.
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
  'X-Content-Type-Options': 'nosniff',
}

export const badgeRoutes = new Hono<AppEnv>()
  // GET /badge/{slug}: "views | 1,234" for the slug GET /views/{slug} would read; it never counts.
  .get('/badge/*', etag(), validate('query', z.object({ label: z.string().trim().min(1).max(40).default('views') })), async (c) => {
    const { database, counting } = c.var.deps
    const slug = counting.slug(slugFromUrl(c.req.url, PREFIX))
    const count = await readCount(database.db, slug)
    return c.body(await renderBadge({ label: c.req.valid('query').label, value: formatCount(count) }), 200, headers)
  })
