import { type Browser, chromium, type Page, type Request } from 'playwright-core'

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

// Runs before the page's own scripts: adds up layout shifts and catches anything thrown that nothing handled.
function watchPage() {
  const record = { layoutShift: 0, uncaught: [] as string[] }
  Object.assign(window, { __e2e: record })
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) record.layoutShift += (entry as unknown as { value: number }).value
  }).observe({ type: 'layout-shift', buffered: true })
  addEventListener('error', (event) => record.uncaught.push(String(event.message)))
  addEventListener('unhandledrejection', (event) => record.uncaught.push(String(event.reason)))
}

export interface VisitOptions {
  apiUrl: string
  javaScript?: boolean
  prepare?: (page: Page) => Promise<void>
}

// Opens a URL in a fresh context (no cookies, no cache) and waits until the network is quiet.
export async function visit(browser: Browser, url: string, { apiUrl, javaScript = true, prepare }: VisitOptions) {
  const context = await browser.newContext({ javaScriptEnabled: javaScript, viewport: { width: 900, height: 700 } })
  await context.addInitScript(watchPage)
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

  const describe = (request: Request) => `${request.method()} ${decodeURI(request.url().slice(apiUrl.length))}`
  const counts: Record<string, string> = await page.$$eval('[data-view-slug]', (placeholders) =>
    Object.fromEntries(placeholders.map((p) => [(p as HTMLElement).dataset.viewSlug, p.textContent ?? ''])),
  )
  const watched = javaScript ? await page.evaluate(() => (window as unknown as { __e2e: { layoutShift: number; uncaught: string[] } }).__e2e) : { layoutShift: 0, uncaught: [] }
  const storedItems = javaScript ? await page.evaluate(() => localStorage.length + sessionStorage.length) : 0
  return {
    page,
    counts,
    settledMs,
    apiRequests: requests.filter((request) => request.url().startsWith(apiUrl)).map(describe),
    otherRequests: requests.filter((request) => !request.url().startsWith(apiUrl) && request.url() !== page.url()).map((request) => request.url()),
    failures,
    errors: [...errors, ...watched.uncaught],
    layoutShift: watched.layoutShift,
    cookies: await context.cookies(),
    storedItems,
    close: () => context.close(),
  }
}
