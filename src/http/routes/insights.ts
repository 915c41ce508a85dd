import { Hono } from 'hono'
import { z } from 'zod'
import type { Counting } from '../../counting/counting.ts'
import type { Database } from '../../db/client.ts'
import { topPages } from '../../db/insights.ts'
import type { Readiness } from '../../db/readiness.ts'
import { cachedJson } from '../cached-json.ts'
import { conditionalGet } from '../conditional-get.ts'
import { addDays, checkRange, rangeFields, requestedRange, topCount } from '../insight-range.ts'
import { pageReportRead, siteReportRead } from '../insights-report.ts'
import type { ReadCache } from '../read-cache.ts'
import { slugFromUrl } from '../request-slugs.ts'
import { requireDatabase } from '../require-database.ts'
import { type Site, withTitles } from '../site-pages.ts'
import { type StatsCredentials, statsAccess } from '../stats-access.ts'
import type { AppEnv } from '../types.ts'
import { validate } from '../validate.ts'

const PAGE_PREFIX = '/insights/pages/'
const insightsQuery = rangeFields.extend({ top: topCount(10) }).superRefine(checkRange)
const popularQuery = z.object({ days: z.coerce.number().int().min(1).max(366).default(30), top: topCount(5) })

export interface InsightsRouteDeps {
  db: Database
  counting: Pick<Counting, 'slug' | 'today'>
  readiness: Pick<Readiness, 'isReady'>
  reads: Pick<ReadCache, 'get'>
  credentials?: StatsCredentials
  site?: Site
}

/**
 * GET /insights and /insights/pages/{slug}: the stats pages' figures as JSON, behind the same
 * optional credentials; GET /popular: the most viewed pages lately, public like /views.
 */
export function createInsightsRoute({
  db,
  counting,
  readiness,
  reads,
  credentials = {},
  site = {},
}: InsightsRouteDeps) {
  const database = requireDatabase(readiness)
  // Private answers may be kept by the reader's browser only, and revalidated (ETag) each time.
  const privately = cachedJson(reads, 'private, no-cache')
  const publicly = cachedJson(reads)
  const routes = new Hono<AppEnv>()
  const access = statsAccess(credentials)
  // '/insights/*' matches '/insights' too (honojs/hono#360): the credential guards both.
  if (access) routes.use('/insights/*', access)

  return routes
    .get('/insights', database, conditionalGet(), validate('query', insightsQuery), async (c) => {
      const query = c.req.valid('query')
      const { key, load } = siteReportRead(db, site, requestedRange(query, counting.today()), query)
      return privately(c, key, load)
    })
    .get('/insights/pages/*', database, conditionalGet(), validate('query', insightsQuery), async (c) => {
      const slug = counting.slug(slugFromUrl(c.req.url, PAGE_PREFIX))
      const query = c.req.valid('query')
      const { key, load } = pageReportRead(db, site, slug, requestedRange(query, counting.today()), query.top)
      return privately(c, key, load)
    })
    .get('/popular', database, conditionalGet(), validate('query', popularQuery), async (c) => {
      const { days, top } = c.req.valid('query')
      const today = counting.today()
      return publicly(c, `popular:${today}:${days}:${top}`, async () => {
        const pages = await topPages(db, { from: addDays(today, 1 - days), to: today }, null, top)
        return withTitles(site, pages).map(({ slug, title, url, count }) => ({ slug, title, url, count }))
      })
    })
}
