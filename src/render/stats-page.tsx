import type { DayCount, SiteSummary } from '../db/history.ts'
import { DailyChart, Sparkline } from './charts.tsx'
import { Document } from './document.tsx'
import { formatCount, formatLongDay, plural } from './format.ts'

/** A top page with its title from the site's page list and its link on the site, where known. */
type TopPage = SiteSummary['top'][number] & { title: string | null; url: string | null }

export interface StatsPageProps {
  today: string
  summary: Omit<SiteSummary, 'top'> & { top: TopPage[] }
  /** The site's last 90 days, oldest first; the 30-day chart is its tail. */
  daily: DayCount[]
  /** Each top post's last 30 days. */
  trends: Map<string, DayCount[]>
}

function Summary({ summary }: { summary: Omit<SiteSummary, 'top'> }) {
  const figures: [string, number][] = [
    ['Total', summary.total],
    ['Today', summary.today],
    ['Last 7 days', summary.last7Days],
    ['Last 30 days', summary.last30Days],
  ]
  return (
    <dl class="cards">
      {figures.map(([name, value]) => (
        <div>
          <dt>{name}</dt>
          <dd>{formatCount(value)}</dd>
        </div>
      ))}
    </dl>
  )
}

// The title when the page list gave one (the slug beneath it, small), else the slug; a link when the
// site's address is known. JSX escapes both, and pageUrl only ever gives an http(s) URL on the site.
function PageName({ post }: { post: TopPage }) {
  const text = post.title ?? post.slug
  const name = post.url ? <a href={post.url}>{text}</a> : text
  if (post.title === null) return <>{name}</>
  return (
    <>
      <span class="title">{name}</span>
      <span class="muted path">{post.slug}</span>
    </>
  )
}

function TopPosts({ top, trends }: { top: TopPage[]; trends: Map<string, DayCount[]> }) {
  if (top.length === 0) return <p class="empty">No views yet.</p>
  return (
    <table>
      <thead>
        <tr>
          <th class="num wide" scope="col">
            #
          </th>
          <th class="page" scope="col">
            Page
          </th>
          <th class="trend" scope="col">
            30 days
          </th>
          <th class="num" scope="col">
            Last 30
          </th>
          <th class="num" scope="col">
            Total
          </th>
        </tr>
      </thead>
      <tbody>
        {top.map((post, i) => (
          <tr>
            <td class="num wide muted">{i + 1}</td>
            <td class="slug">
              <PageName post={post} />
            </td>
            <td class="trend">
              <Sparkline
                days={trends.get(post.slug) ?? []}
                label={`${post.title ?? post.slug}: ${plural(post.last30Days, 'view', 'views')} in the last 30 days, by day`}
              />
            </td>
            <td class="num">{formatCount(post.last30Days)}</td>
            <td class="num">{formatCount(post.count)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

export function StatsPage({ today, summary, daily, trends }: StatsPageProps) {
  return (
    <Document title="Page views">
      <header>
        <h1>Page views</h1>
        <p>{formatLongDay(today)}</p>
      </header>
      <Summary summary={summary} />
      <section aria-labelledby="last-30-heading">
        <h2 id="last-30-heading">Views per day, last 30 days</h2>
        <DailyChart id="last-30" days={daily.slice(-30)} caption="Views per day, last 30 days" />
      </section>
      <section aria-labelledby="last-90-heading">
        <h2 id="last-90-heading">Views per day, last 90 days</h2>
        <DailyChart id="last-90" days={daily.slice(-90)} caption="Views per day, last 90 days" />
      </section>
      <section aria-labelledby="top-heading">
        <h2 id="top-heading">Top pages</h2>
        <TopPosts top={summary.top} trends={trends} />
      </section>
      <footer>
        Days end at midnight in the service's time zone. Totals include views from before daily history began.
      </footer>
    </Document>
  )
}
