import { type Context, Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { z } from 'zod'
import { type ScreenClass, screenClasses } from '../../counting/breakdowns.ts'
import type { Counting, ViewResult } from '../../counting/counting.ts'
import type { Database } from '../../db/client.ts'
import { rankedCounts, readCount, readCounts } from '../../db/counts.ts'
import { dailyCounts, siteSummary } from '../../db/history.ts'
import type { Readiness } from '../../db/readiness.ts'
import type { Logger } from '../../log.ts'
import { cachedJson } from '../cached-json.ts'
import { clientAddress } from '../client-address.ts'
import { conditionalGet } from '../conditional-get.ts'
import type { ReadCache } from '../read-cache.ts'
import { reportRefusedOrigins } from '../refused-origins.ts'
import { MAX_BATCH_SLUGS, slugFromUrl, slugListFromQuery } from '../request-slugs.ts'
import { requireDatabase } from '../require-database.ts'
import { type Site, withTitles } from '../site-pages.ts'
import type { AppEnv } from '../types.ts'
import { validate } from '../validate.ts'

const PREFIX = '/views/'
const days = z.coerce.number().int().min(1).max(366)
// What the inline script sends with a view. A value that is not what it should be is dropped
// (`catch`), never refused: the view still counts, only without it. counting/breakdowns.ts decides
// what each value is stored as.
const text = z.string().max(2048).optional().catch(undefined)
const viewQuery = z.object({
  ref: text,
  utm_source: text,
  utm_campaign: text,
  screen: z
    .enum(Object.keys(screenClasses) as [ScreenClass, ...ScreenClass[]])
    .optional()
    .catch(undefined),
})

export interface ViewsRouteDeps {
  db: Database
  counting: Pick<Counting, 'mode' | 'clientIpHeader' | 'countryHeader' | 'slug' | 'view' | 'today'>
  readiness: Pick<Readiness, 'isReady'>
  reads: Pick<ReadCache, 'get'>
  /** Origins whose pages may POST views (CORS_ORIGINS). */
  corsOrigins: string[]
  log: Logger
  /** Titles and links for /summary's top pages; /views answers exactly as the reference did. */
  site?: Site
}

export function createViewsRoute({ db, counting, readiness, reads, corsOrigins, log, site = {} }: ViewsRouteDeps) {
  const origins = new Set(corsOrigins)
  const reportRefusedOrigin = reportRefusedOrigins(log)
  const database = requireDatabase(readiness)

  const cached = cachedJson(reads)

  // The one place a view's outcome becomes HTTP. COUNT_MODE=every answers exactly as the reference
  // did; otherwise the answer says whether this view counted.
  function answerView(c: Context, slug: string, result: ViewResult) {
    if (result.outcome === 'unknown-page') throw new HTTPException(404, { message: 'unknown page' })
    if (result.outcome === 'rate-limited') {
      const res = new Response(null, { headers: { 'Retry-After': String(result.retryAfterSeconds) } })
      throw new HTTPException(429, { message: 'too many views from this address', res })
    }
    const { count, counted } = result
    return c.json(counting.mode === 'every' ? { slug, count } : { slug, count, counted })
  }

  return new Hono<AppEnv>()
    .get('/views', database, conditionalGet(), async (c) => {
      const raw = slugListFromQuery(c.req.url, MAX_BATCH_SLUGS)
      if (!raw) return cached(c, 'all', () => rankedCounts(db))
      const slugs = [...new Set(raw.map(counting.slug))]
      return cached(c, `some:${slugs.join('\n')}`, () => readCounts(db, slugs))
    })
    .get('/views/*', database, conditionalGet(), validate('query', z.object({ days: days.optional() })), async (c) => {
      const slug = counting.slug(slugFromUrl(c.req.url, PREFIX))
      const { days } = c.req.valid('query')
      if (days === undefined) return cached(c, `one:${slug}`, async () => ({ slug, count: await readCount(db, slug) }))
      const count = await readCount(db, slug)
      return c.json({ slug, count, daily: await dailyCounts(db, slug, counting.today(), days) })
    })
    .post(
      '/views/*',
      // CORS only hides the response from the page; a "simple" cross-site POST would still count,
      // so a browser request from a foreign origin is refused before it can change anything.
      async function refuseForeignOrigins(c, next) {
        const origin = c.req.header('origin')
        if (origin !== undefined && !origins.has(origin)) {
          reportRefusedOrigin(origin)
          throw new HTTPException(403, { message: 'origin not allowed' })
        }
        await next()
      },
      database,
      // A view takes no body. Bun refuses a chunked body over maxRequestBodySize only once the handler
      // has run, so its 413 came after the view was counted; any body is refused before counting.
      async function refuseBody(c, next) {
        if (Number(c.req.header('content-length') ?? 0) !== 0 || c.req.header('transfer-encoding') !== undefined) {
          throw new HTTPException(413, { message: 'a view takes no request body' })
        }
        await next()
      },
      validate('query', viewQuery),
      async (c) => {
        const slug = counting.slug(slugFromUrl(c.req.url, PREFIX))
        const query = c.req.valid('query')
        const result = await counting.view({
          slug,
          address: clientAddress(c, counting.clientIpHeader),
          userAgent: c.req.header('user-agent'),
          signal: c.req.raw.signal,
          referrer: query.ref,
          utmSource: query.utm_source,
          utmCampaign: query.utm_campaign,
          screen: query.screen,
          country: counting.countryHeader && c.req.header(counting.countryHeader),
        })
        c.set('outcome', result.outcome)
        return answerView(c, slug, result)
      },
    )
    .get(
      '/summary',
      database,
      validate('query', z.object({ top: z.coerce.number().int().min(1).max(100).default(10) })),
      async (c) => {
        const summary = await siteSummary(db, counting.today(), c.req.valid('query').top)
        return c.json({ ...summary, top: withTitles(site, summary.top) })
      },
    )
}
