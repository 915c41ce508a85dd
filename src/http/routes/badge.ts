import { Hono } from 'hono'
import { z } from 'zod'
import type { Counting } from '../../counting/counting.ts'
import type { Database } from '../../db/client.ts'
import { readCount } from '../../db/counts.ts'
import type { Readiness } from '../../db/readiness.ts'
import { conditionalGet } from '../conditional-get.ts'
import { slugFromUrl } from '../request-slugs.ts'
import { requireDatabase } from '../require-database.ts'
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

export interface BadgeRouteDeps {
  db: Database
  counting: Pick<Counting, 'slug'>
  readiness: Pick<Readiness, 'isReady'>
}

export function createBadgeRoute({ db, counting, readiness }: BadgeRouteDeps) {
  return (
    new Hono()
      // GET /badge/{slug}: "views | 1,234" for the slug GET /views/{slug} would read; it never counts.
      .get(
        '/badge/*',
        requireDatabase(readiness),
        conditionalGet(),
        validate('query', z.object({ label })),
        async (c) => {
          const slug = counting.slug(slugFromUrl(c.req.url, PREFIX))
          const count = await readCount(db, slug)
          // Loaded at the first badge, as the stats page is: most starts never draw one.
          const [{ renderBadge }, { formatCount }] = await Promise.all([
            import('../../render/badge.tsx'),
            import('../../render/format.ts'),
          ])
          return c.body(
            await renderBadge({ label: c.req.valid('query').label, value: formatCount(count) }),
            200,
            headers,
          )
        },
      )
  )
}
