import type { DayCount } from '../db/history.ts'
import { formatCount, formatDay, plural } from './format.ts'
import type { Unit } from './periods.ts'

/** A bar of the chart: one day, or the days from `day` to `until`. */
type Bar = DayCount & { until?: string }
const barName = (bar: Bar) =>
  bar.until === undefined || bar.until === bar.day
    ? formatDay(bar.day)
    : `${formatDay(bar.day)} – ${formatDay(bar.until)}`

// User units of the chart's viewBox; the SVG scales to its container, and the CSS enlarges the
// labels on narrow screens so they stay readable after scaling down.
const WIDTH = 640
const HEIGHT = 250
const TOP = 26
const BOTTOM = 30
const PLOT = HEIGHT - TOP - BOTTOM

/** Gridline spacing: 1, 2 or 5 times a power of ten, giving at most five lines above zero. */
export function gridStep(max: number): number {
  const rough = Math.max(1, max / 5)
  const magnitude = 10 ** Math.floor(Math.log10(rough))
  return [1, 2, 5, 10].map((m) => m * magnitude).find((step) => step >= rough)!
}

// Label roughly five days, counted back from today so the latest day is always named.
function labelledDays(length: number): number[] {
  const every = Math.max(1, Math.round(length / 5))
  const indices = []
  for (let i = length - 1; i >= 0 && indices.length < 5; i -= every) indices.push(i)
  return indices.reverse()
}

const total = (days: DayCount[]) => days.reduce((sum, day) => sum + day.count, 0)

export function DailyChart({
  id,
  days,
  caption,
  unit = 'day',
}: {
  id: string
  days: Bar[]
  caption: string
  unit?: Unit
}) {
  const step = gridStep(Math.max(0, ...days.map((day) => day.count)))
  const lines = Math.max(1, Math.ceil(Math.max(...days.map((day) => day.count)) / step))
  const top = step * lines
  const y = (count: number) => Math.round((TOP + PLOT - (count / top) * PLOT) * 100) / 100
  const slot = WIDTH / days.length
  const busiest = days.reduce((best, day) => (day.count > best.count ? day : best), days[0]!)
  const description =
    `${formatDay(days[0]!.day)} to ${formatDay(days.at(-1)!.until ?? days.at(-1)!.day)}: ${plural(total(days), 'view', 'views')} in all` +
    (busiest.count > 0 ? `, the busiest ${unit} ${barName(busiest)} with ${formatCount(busiest.count)}.` : '.')
  return (
    <svg class="chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={`${id}-title ${id}-desc`}>
      <title id={`${id}-title`}>{caption}</title>
      <desc id={`${id}-desc`}>{description}</desc>
      <g class="grid" aria-hidden="true">
        {Array.from({ length: lines + 1 }, (_, i) => (
          <line x1="0" x2={WIDTH} y1={y(i * step)} y2={y(i * step)} class={i === 0 ? 'axis' : undefined} />
        ))}
      </g>
      <g class="bars">
        {days.map((day, i) => (
          <rect
            class="bar"
            data-day={day.day}
            x={(i * slot + slot * 0.12).toFixed(2)}
            width={(slot * 0.76).toFixed(2)}
            y={y(day.count)}
            height={(TOP + PLOT - y(day.count)).toFixed(2)}
          >
            <title>{`${barName(day)}: ${plural(day.count, 'view', 'views')}`}</title>
          </rect>
        ))}
      </g>
      {/* After the bars, so SVG paints the values over them (a later element is drawn on top). */}
      <g class="values" aria-hidden="true">
        {Array.from({ length: lines }, (_, i) => (
          <text x="0" y={y((i + 1) * step) - 5}>
            {formatCount((i + 1) * step)}
          </text>
        ))}
      </g>
      <g class="days" aria-hidden="true">
        {labelledDays(days.length).map((i) => (
          <text
            x={i === days.length - 1 ? WIDTH : ((i + 0.5) * slot).toFixed(2)}
            y={TOP + PLOT + 8}
            text-anchor={i === days.length - 1 ? 'end' : 'middle'}
            dominant-baseline="hanging"
          >
            {formatDay(days[i]!.day)}
          </text>
        ))}
      </g>
    </svg>
  )
}

/** A line of one post's daily views, scaled to its own busiest day; no axes, just the shape. */
export function Sparkline({ days, label }: { days: DayCount[]; label: string }) {
  const max = Math.max(1, ...days.map((day) => day.count))
  const x = (i: number) => ((i / Math.max(1, days.length - 1)) * 100).toFixed(2)
  const y = (count: number) => (22 - (count / max) * 20).toFixed(2)
  const points = days.map((day, i) => `${x(i)},${y(day.count)}`).join(' ')
  return (
    <svg class="spark" viewBox="0 0 100 24" preserveAspectRatio="none" role="img" aria-label={label}>
      <title>{label}</title>
      <polygon class="spark-area" points={`0,24 ${points} 100,24`} />
      <polyline class="spark-line" points={points} vector-effect="non-scaling-stroke" />
    </svg>
  )
}
