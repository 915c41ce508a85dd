import { raw } from 'hono/html'
import { css } from './styles.ts'

/** What /stats shows while its database is away: a page, in the page's own style, not the API's JSON. */
export function OutagePage() {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="robots" content="noindex" />
        <title>Page views: database unavailable</title>
        <style>{raw(css)}</style>
      </head>
      <body>
        <main>
          <header>
            <h1>Page views</h1>
          </header>
          <section>
            <h2>The database is unavailable</h2>
            <p class="muted">
              The counter cannot reach its database right now, so there are no figures to show. Reload this page once it
              is back; <code>/ready</code> says what the service is waiting for.
            </p>
          </section>
        </main>
      </body>
    </html>
  )
}
