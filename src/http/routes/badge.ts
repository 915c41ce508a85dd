import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../app.ts'
import { readCount } from '../../db/counts.ts'
import { renderBadge } from '../../render/badge.tsx'
import { formatCount } from '../../render/format.ts'
import { slugFromUrl } from '../../counting/slug.ts'
import { validate } from '../validate.ts'
import { conditionalGet } from '../conditional-get.ts'

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

// XML 1.0 cannot hold control characters (escaped or not, except tab and newlines, which a
// one-line label has no use for), nor U+FFFE, U+FFFF or a lone surrogate: the badge must stay a
// well-formed document, https://www.w3.org/TR/xml/#charsets
const label = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[^\p{Cc}\p{Cs}\uFFFE\uFFFF]*$/u, 'must not contain control characters')
  .default('views')

export const badgeRoutes = new Hono<AppEnv>()
  // GET /badge/{slug}: "views | 1,234" for the slug GET /views/{slug} would read; it never counts.
  .get('/badge/*', conditionalGet(), validate('query', z.object({ label })), async (c) => {
    const { database, counting } = c.var.deps
    const slug = counting.slug(slugFromUrl(c.req.url, PREFIX))
    const count = await readCount(database.db, slug)
    return c.body(await renderBadge({ label: c.req.valid('query').label, value: formatCount(count) }), 200, headers)
  })
