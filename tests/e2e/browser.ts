import { type Browser, type BrowserContext, chromium, type Page, type Request } from 'playwright-core'

// Debian's chromium, never a downloaded one; readers' hostnames all resolve to this machine.
export function launchBrowser(hostnames: string[]) {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      `--host-resolver-rules=${hostnames.map((hostname) => `MAP ${hostname} 127.0.0.1`).join(', ')}`,
    ],
  })
}

interface PageRecord {
  layoutShift: number
  uncaught: string[]
}

// Runs in the page before its own scripts (so it is typed without the DOM library): adds up layout
// shifts and keeps anything thrown that nothing handled.
function watchPage() {
  const record: PageRecord = { layoutShift: 0, uncaught: [] }
  Object.assign(globalThis, { __e2e: record })
  // Bun's types know no layout-shift entries; the casts only satisfy the type-checker.
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) record.layoutShift += (entry as unknown as { value: number }).value
  }).observe({ type: 'layout-shift' as 'mark', buffered: true })
  type Uncaught = { message?: string; reason?: unknown }
  addEventListener('error', (event) => record.uncaught.push(String((event as Uncaught).message)))
  addEventListener('unhandledrejection', (event) => record.uncaught.push(String((event as Uncaught).reason)))
}

export interface ContextOptions {
  javaScript?: boolean
  /** Headless Chromium says "HeadlessChrome", which the service's bot filter does not count. */
  userAgent?: string
}

/** What the script adds to its POST from newContext's 900 px wide screen, with no referrer or campaign. */
export const PLAIN_VISIT = '?screen=m'

// A fresh browser profile (no cookies, no cache, no storage) whose pages are watched by watchPage.
export async function newContext(browser: Browser, { javaScript = true, userAgent }: ContextOptions = {}) {
  const context = await browser.newContext({
    javaScriptEnabled: javaScript,
    userAgent,
    viewport: { width: 900, height: 700 },
  })
  await context.addInitScript(watchPage)
  return context
}

export interface VisitOptions extends ContextOptions {
  apiUrl: string
  /** Visit in this context, so storage carries over from earlier visits; the caller closes it. */
  context?: BrowserContext
  prepare?: (page: Page) => Promise<unknown>
}

// Opens a URL in a fresh context (or the one given) and waits until the network is quiet.
export async function visit(
  browser: Browser,
  url: string,
  { apiUrl, javaScript = true, userAgent, context: shared, prepare }: VisitOptions,
) {
  const context = shared ?? (await newContext(browser, { javaScript, userAgent }))
  const page = await context.newPage()
  await prepare?.(page)
  const requests: Request[] = []
  const failures: string[] = []
  const errors: string[] = []
  page.on('request', (request) => requests.push(request))
  page.on('requestfailed', (request) => failures.push(`${request.url()}: ${request.failure()?.errorText}`))
  page.on('pageerror', (error) => errors.push(error.message))
  const started = performance.now()
  await page.goto(url, { waitUntil: 'networkidle' })
  const settledMs = performance.now() - started

  // The document is requested without its #fragment.
  const documentUrl = page.url().replace(/#.*$/, '')
  const describe = (request: Request) => `${request.method()} ${decodeURI(request.url().slice(apiUrl.length))}`
  const counts: Record<string, string> = await page.$$eval('[data-view-slug]', (placeholders) =>
    Object.fromEntries(placeholders.map((p) => [p.getAttribute('data-view-slug'), p.textContent ?? ''])),
  )
  const watched: PageRecord = javaScript
    ? await page.evaluate(() => (globalThis as unknown as { __e2e: PageRecord }).__e2e)
    : { layoutShift: 0, uncaught: [] }
  const storedItems = javaScript ? await page.evaluate(() => localStorage.length + sessionStorage.length) : 0
  return {
    page,
    counts,
    settledMs,
    apiRequests: requests.filter((request) => request.url().startsWith(apiUrl)).map(describe),
    otherRequests: requests
      .filter((request) => !request.url().startsWith(apiUrl) && request.url() !== documentUrl)
      .map((request) => request.url()),
    failures,
    errors: [...errors, ...watched.uncaught],
    layoutShift: watched.layoutShift,
    cookies: await context.cookies(),
    storedItems,
    close: () => (shared ? page.close() : context.close()),
  }
}
