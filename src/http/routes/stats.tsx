import { type Context, Hono, type MiddlewareHandler } from 'hono'
import { html } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'
import { z } from 'zod'
import type { Counting } from '../../counting/counting.ts'
import type { Database } from '../../db/client.ts'
import { dailyCountsFor } from '../../db/history.ts'
import { totalViews } from '../../db/insights.ts'
import type { Readiness } from '../../db/readiness.ts'
import { OutagePage } from '../../render/outage-page.tsx'
import { barsOf, unitFor } from '../../render/periods.ts'
import { css } from '../../render/styles.ts'
import { checkRange, rangeFields, requestedRange } from '../insight-range.ts'
import { pageReport, siteReport } from '../insights-report.ts'
import { slugFromUrl } from '../request-slugs.ts'
import { requireDatabase } from '../require-database.ts'
import type { Site } from '../site-pages.ts'
import { type StatsCredentials, statsAccess } from '../stats-access.ts'
import { validate } from '../validate.ts'

const styleHash = new Bun.CryptoHasher('sha256').update(css).digest('base64')
// The page runs no script and loads nothing: the policy allows its one stylesheet and no more, so
// even a slug that slipped past escaping could not do anything. Its one form (the from–to range)
// may only submit to this origin.
const headers = {
  'Content-Security-Policy': `default-src 'none'; style-src 'sha256-${styleHash}'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
}

// A person reads /stats in a browser: a 503 (database not ready, or a query that found it away)
// leaves as a page, after onError has logged and counted it as for any route.
const outagePage = `<!doctype html>${<OutagePage />}`
const outageAsPage: MiddlewareHandler = async function outageAsPage(c, next) {
  await next()
  if (c.res.status === 503) c.res = c.html(outagePage, 503, headers)
}

export interface StatsRouteDeps {
  db: Database
  counting: Pick<Counting, 'today' | 'slug'>
  readiness: Pick<Readiness, 'isReady'>
  credentials?: StatsCredentials
  site?: Site
}

const PAGE_PREFIX = '/stats/pages/'
const top = (fallback: number) => z.coerce.number().int().min(1).max(100).default(fallback)
const siteQuery = rangeFields.extend({ top: top(20) }).superRefine(checkRange)
const pageQuery = rangeFields.extend({ top: top(10) }).superRefine(checkRange)
const page = (c: Context, body: HtmlEscapedString | Promise<HtmlEscapedString>) =>
  c.html(html`<!doctype html>${body}`, 200, headers)

/**
 * GET /stats: the site over a range, its top pages and where readers came from; GET
 * /stats/pages/{slug}: the same for one page. Private once a credential is set.
 */
export function createStatsRoute({ db, counting, readiness, credentials = {}, site = {} }: StatsRouteDeps) {
  // '/stats/*' matches '/stats' too (honojs/hono#360): both pages are guarded alike.
  const routes = new Hono().use('/stats/*', outageAsPage, requireDatabase(readiness))
  const access = statsAccess(credentials)
  if (access) routes.use('/stats/*', access)
  return routes
    .get('/stats', validate('query', siteQuery), async (c) => {
      const today = counting.today()
      const query = c.req.valid('query')
      const [{ range, report }, total] = await Promise.all([
        siteReport(db, site, requestedRange(query, today), { top: query.top, values: 10 }),
        totalViews(db),
      ])
      const unit = unitFor(range.days)
      const daily = await dailyCountsFor(
        db,
        report.pages.map((page) => page.slug),
        range.to,
        range.days,
      )
      const trends = new Map([...daily].map(([slug, days]) => [slug, barsOf(days, unit)]))
      // Loaded at the first visit: the pages, their charts and their formatting are code most starts never run.
      const { StatsPage } = await import('../../render/stats-page.tsx')
      return page(c, <StatsPage today={today} range={range} report={report} total={total} trends={trends} />)
    })
    .get('/stats/pages/*', validate('query', pageQuery), async (c) => {
      const slug = counting.slug(slugFromUrl(c.req.url, PAGE_PREFIX))
      const today = counting.today()
      const query = c.req.valid('query')
      const { range, report } = await pageReport(db, site, slug, requestedRange(query, today), query)
      const { PageStatsPage } = await import('../../render/page-stats-page.tsx')
      return page(c, <PageStatsPage today={today} range={range} report={report} />)
    })
}
