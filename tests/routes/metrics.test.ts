import { describe, expect, test } from 'bun:test'
import { outcomes } from '../../src/counting/outcomes.ts'
import { pageAllowlist } from '../../src/counting/page-allowlist.ts'
import { appOn, everyView, quietLog, readerViews } from '../support/app.ts'
import { backend, useMigratedDatabase } from '../support/database.ts'

const database = useMigratedDatabase()

const metricValue = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('GET /metrics', () => {
  test('Prometheus text: requests by route pattern and status, views by outcome, database, memory', async () => {
    const app = appOn(database.handle, {
      countingOptions: {
        ...readerViews,
        ratePerMinute: 2,
      },
    })
    const post = (slug: string, ua = 'Mozilla/5.0 Firefox/140.0') =>
      app.request(`/views/${slug}`, { method: 'POST', headers: { 'User-Agent': ua, 'X-Forwarded-For': '203.0.113.5' } })
    await post('posts/m/')
    await post('posts/m/')
    await post('posts/m/')
    await app.request('/views/posts/m/', {
      method: 'POST',
      headers: { 'User-Agent': 'Googlebot/2.1', 'X-Forwarded-For': '203.0.113.6' },
    })
    await app.request('/views/posts/other/')

    const response = await app.request('/metrics')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/plain')
    const text = await response.text()
    expect(metricValue(text, 'viewcounter_views_total{outcome="counted"}')).toBe(1)
    expect(metricValue(text, 'viewcounter_views_total{outcome="repeat"}')).toBe(1)
    expect(metricValue(text, 'viewcounter_views_total{outcome="rate-limited"}')).toBe(1)
    expect(metricValue(text, 'viewcounter_views_total{outcome="bot"}')).toBe(1)
    expect(metricValue(text, 'viewcounter_views_total{outcome="unknown-page"}')).toBe(0)
    expect(metricValue(text, 'viewcounter_http_requests_total{method="POST",route="/views/*",status="429"}')).toBe(1)
    expect(metricValue(text, 'viewcounter_http_requests_total{method="GET",route="/views/*",status="200"}')).toBe(1)
    expect(text).not.toContain('posts/m/')
    expect(text).toContain('viewcounter_http_request_duration_seconds_bucket')
    expect(metricValue(text, 'viewcounter_database_ready')).toBe(1)
    expect(metricValue(text, 'process_resident_memory_bytes')).toBeGreaterThan(0)
    if (backend === 'postgres') {
      expect(metricValue(text, 'viewcounter_database_pool_max')).toBe(20)
      expect(metricValue(text, 'viewcounter_database_pool_connections')).toBeGreaterThanOrEqual(1)
    }
  })

  test('database failures are counted, and readiness shows in the scrape', async () => {
    const app = appOn(database.handle, { isReady: () => false })
    expect((await app.request('/views/x/')).status).toBe(503)
    const text = await (await app.request('/metrics')).text()
    expect(metricValue(text, 'viewcounter_database_ready')).toBe(0)
    expect(metricValue(text, 'viewcounter_http_requests_total{method="GET",route="/views/*",status="503"}')).toBe(1)
  })
})

describe('request labels and series', () => {
  test('requests are labelled with the pattern of the route that answered, whatever middleware ran', async () => {
    const app = appOn(database.handle)
    await app.request('/views')
    await app.request('/views/posts/l/')
    await app.request('/views/posts/l/', { method: 'PUT' })
    await app.request('/views', { method: 'POST' })
    await app.request('/nope/posts/l/')
    const text = await (await app.request('/metrics')).text()
    expect(metricValue(text, 'viewcounter_http_requests_total{method="GET",route="/views",status="200"}')).toBe(1)
    expect(metricValue(text, 'viewcounter_http_requests_total{method="GET",route="/views/*",status="200"}')).toBe(1)
    expect(metricValue(text, 'viewcounter_http_requests_total{method="PUT",route="/views/*",status="405"}')).toBe(1)
    expect(metricValue(text, 'viewcounter_http_requests_total{method="POST",route="/views",status="405"}')).toBe(1)
    expect(metricValue(text, 'viewcounter_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1)
    expect(text).not.toContain('route="*"')
    expect(text).not.toContain('route="/*"')
  })

  test('every outcome has its series from the start, at zero', async () => {
    const text = await (await appOn(database.handle).request('/metrics')).text()
    for (const outcome of outcomes) expect(metricValue(text, `viewcounter_views_total{outcome="${outcome}"}`)).toBe(0)
  })
})

describe('/metrics on the main port with METRICS_PORT set', () => {
  test('is no route at all: 404 for GET and POST alike, never a 405 naming GET', async () => {
    const app = appOn(database.handle, { metricsOnMainPort: false })
    for (const method of ['GET', 'HEAD', 'POST', 'DELETE']) {
      const response = await app.request('/metrics', { method })
      expect(response.status).toBe(404)
      expect(response.headers.get('allow')).toBeNull()
    }
  })
})

describe('the page list in /metrics', () => {
  test('is -1 until the list loads, then the number of pages', async () => {
    let up = false
    const site = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: () => (up ? Response.json(['/a/', '/b/']) : new Response('down', { status: 503 })),
    })
    try {
      const pages = pageAllowlist({
        pagesUrl: site.url.href,
        refreshSeconds: 3600,
        trailingSlash: 'add',
        log: quietLog,
      })
      await pages.refresh()
      const app = appOn(database.handle, { countingOptions: { ...everyView, pages } })
      expect(metricValue(await (await app.request('/metrics')).text(), 'viewcounter_page_list_pages')).toBe(-1)
      up = true
      await pages.refresh()
      expect(metricValue(await (await app.request('/metrics')).text(), 'viewcounter_page_list_pages')).toBe(2)
      pages.stop()
    } finally {
      site.stop(true)
    }
  })
})
