import { Document } from './document.tsx'

/** What the stats pages show when drawing one failed for any other reason: onError has logged the cause. */
export function FailurePage() {
  return (
    <Document title="Page views: something went wrong">
      <header>
        <h1>Page views</h1>
      </header>
      <section>
        <h2>Something went wrong drawing this page</h2>
        <p class="muted">
          The service could not draw these figures. Its log has the error, with this request; reloading may help, and{' '}
          <a href="/stats">all pages</a> may still show.
        </p>
      </section>
    </Document>
  )
}

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
