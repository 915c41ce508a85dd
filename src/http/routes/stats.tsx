import { type Context, Hono, type MiddlewareHandler } from 'hono'
import { html } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'
import type { Counting } from '../../counting/counting.ts'
import type { Database } from '../../db/client.ts'
import type { Readiness } from '../../db/readiness.ts'
import { FailurePage, OutagePage } from '../../render/outage-page.tsx'
import { RefusedPage } from '../../render/refused-page.tsx'
import { css } from '../../render/styles.ts'
import { checkRange, dayBounds, rangeFields, requestedRange, topCount } from '../insight-range.ts'
import type { ReadCache } from '../read-cache.ts'
import { slugFromUrl } from '../request-slugs.ts'
import { requireDatabase } from '../require-database.ts'
import type { Site } from '../site-pages.ts'
import { type StatsCredentials, statsAccess } from '../stats-access.ts'
import { statsFigures } from '../stats-figures.ts'
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

// A person reads /stats in a browser: a 400 (an address it cannot show), a 503 (database not
// ready, or a query that found it away) or any other failure leaves as a page, after onError has logged and counted it
// as for any route. The 400 names the problem as the JSON would: Hono keeps the thrown error in
// c.error for the middleware around the handler (https://hono.dev/docs/api/context#error; set in
// honojs/hono src/compose.ts just before onError runs).
const outagePage = `<!doctype html>${<OutagePage />}`
const failurePage = `<!doctype html>${<FailurePage />}`
const errorsAsPages: MiddlewareHandler = async function errorsAsPages(c, next) {
  await next()
  if (c.res.status === 503) c.res = c.html(outagePage, 503, headers)
  else if (c.res.status >= 500) c.res = c.html(failurePage, c.res.status as 500, headers)
  else if (c.res.status === 400) {
    c.res = c.html(`<!doctype html>${<RefusedPage problem={c.error?.message ?? 'bad request'} />}`, 400, headers)
  }
}

export interface StatsRouteDeps {
  db: Database
  counting: Pick<Counting, 'today' | 'slug'>
  readiness: Pick<Readiness, 'isReady'>
  reads: Pick<ReadCache, 'get'>
  credentials?: StatsCredentials
  site?: Site
}

const PAGE_PREFIX = '/stats/pages/'
const siteQuery = rangeFields.extend({ top: topCount(20) }).superRefine(checkRange)
const pageQuery = rangeFields.extend({ top: topCount(10) }).superRefine(checkRange)
const page = (c: Context, body: HtmlEscapedString | Promise<HtmlEscapedString>) =>
  c.html(html`<!doctype html>${body}`, 200, headers)

/**
 * GET /stats: the site over a range, its top pages and where readers came from; GET
 * /stats/pages/{slug}: the same for one page. Private once a credential is set.
 */
export function createStatsRoute({ db, counting, readiness, reads, credentials = {}, site = {} }: StatsRouteDeps) {
  const figures = statsFigures(reads, db, site)
  // '/stats/*' matches '/stats' too (honojs/hono#360): both pages are guarded alike.
  const routes = new Hono().use('/stats/*', errorsAsPages, requireDatabase(readiness))
  const access = statsAccess(credentials)
  if (access) routes.use('/stats/*', access)
  return routes
    .get('/stats', validate('query', siteQuery), async (c) => {
      const today = counting.today()
      const query = c.req.valid('query')
      const asked = requestedRange(query, today)
      const { report, total, trends } = await figures.site(asked, { top: query.top, values: 10 })
      const range = { preset: asked.preset, ...report.range }
      // Loaded at the first visit: the pages, their charts and their formatting are code most starts never run.
      const { StatsPage } = await import('../../render/stats-page.tsx')
      const props = { today, bounds: dayBounds(today), range, report, total, trends }
      return page(c, <StatsPage {...props} />)
    })
    .get('/stats/pages/*', validate('query', pageQuery), async (c) => {
      const slug = counting.slug(slugFromUrl(c.req.url, PAGE_PREFIX))
      const today = counting.today()
      const query = c.req.valid('query')
      const asked = requestedRange(query, today)
      const report = await figures.page(slug, asked, query.top)
      const range = { preset: asked.preset, ...report.range }
      const { PageStatsPage } = await import('../../render/page-stats-page.tsx')
      return page(c, <PageStatsPage today={today} bounds={dayBounds(today)} range={range} report={report} />)
    })
}
