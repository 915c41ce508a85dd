import { Document } from './document.tsx'

/**
 * What the stats pages show for an address they cannot answer (a range before 1970, a day that
 * does not exist, a malformed slug): what is wrong, in the API's words, and ways back.
 */
export function RefusedPage({ problem }: { problem: string }) {
  return (
    <Document title="Page views: cannot show this">
      <header>
        <h1>Page views</h1>
      </header>
      <section>
        <h2>This address asks for something the stats cannot show</h2>
        <p>
          <code>{problem}</code>
        </p>
        <p class="back">
          <a href="?range=30">Last 30 days</a> · <a href="/stats">All pages</a>
        </p>
      </section>
    </Document>
  )
}
