import { Document } from './document.tsx'

/** What /stats shows while its database is away: a page, in the page's own style, not the API's JSON. */
export function OutagePage() {
  return (
    <Document title="Page views: database unavailable">
      <header>
        <h1>Page views</h1>
      </header>
      <section>
        <h2>The database is unavailable</h2>
        <p class="muted">
          The counter cannot reach its database right now, so there are no figures to show. Reload this page once it is
          back; <code>/ready</code> says what the service is waiting for.
        </p>
      </section>
    </Document>
  )
}
