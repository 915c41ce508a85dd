// The whole stylesheet, inline: the page loads nothing else, so it works behind any tunnel and
// its Content-Security-Policy can allow exactly this text by hash.
export const css = `
:root { color-scheme: light dark; --bg: #f7f7f8; --card: #fff; --text: #1b1d21; --muted: #5f6672; --line: #e3e5e9;
  --accent: #2f6fde; --accent-soft: rgba(47, 111, 222, .14); --font: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif }
@media (prefers-color-scheme: dark) {
  :root { --bg: #111318; --card: #1a1d24; --text: #e8eaef; --muted: #9aa2b1; --line: #2c313b;
    --accent: #7aa7ff; --accent-soft: rgba(122, 167, 255, .18) }
}
* { box-sizing: border-box }
body { margin: 0; background: var(--bg); color: var(--text); font: 16px/1.5 var(--font); -webkit-text-size-adjust: 100% }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1rem 3rem }
header { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: .25rem 1rem; margin-bottom: 1.25rem }
h1 { font-size: 1.6rem; margin: 0 }
h2 { font-size: 1.05rem; margin: 0 0 .75rem }
.muted, header p { color: var(--muted); margin: 0; font-size: .9rem }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .75rem; margin: 0 0 1rem; padding: 0 }
.cards div, section { background: var(--card); border: 1px solid var(--line); border-radius: .75rem }
.cards div { padding: .85rem 1rem }
.cards dt { color: var(--muted); font-size: .85rem }
.cards dd { margin: .15rem 0 0; font-size: 1.6rem; font-weight: 650; font-variant-numeric: tabular-nums; letter-spacing: -.01em }
.cards .vs { display: block; color: var(--muted); font-size: .8rem; font-weight: 400; letter-spacing: 0 }
.ranges { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .5rem 1rem; margin-bottom: 1rem }
.ranges ul { display: flex; flex-wrap: wrap; gap: .25rem; margin: 0; padding: 0; list-style: none }
.ranges a { display: block; padding: .3rem .7rem; border: 1px solid var(--line); border-radius: 999px; color: var(--text); text-decoration: none; font-size: .9rem }
.ranges a[aria-current] { background: var(--accent); border-color: var(--accent); color: var(--card) }
.dates { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem; font-size: .9rem; color: var(--muted) }
.dates input, .dates button { font: inherit; color: var(--text); background: var(--card); border: 1px solid var(--line); border-radius: .4rem; padding: .2rem .4rem }
.dates button { cursor: pointer }
.back { margin: 0 0 .5rem; font-size: .9rem }
.back a, .path a { color: var(--accent) }
.page-title, p.path { overflow-wrap: anywhere }
p.path { margin: -.75rem 0 1rem }
section { padding: 1rem 1rem .75rem; margin-bottom: 1rem }
.charts { display: grid; grid-template-columns: 1fr; gap: 0 }
.chart { display: block; width: 100%; height: auto; overflow: visible }
.chart text { font: 12px var(--font); fill: var(--muted); paint-order: stroke; stroke: var(--card); stroke-width: 3px }
.chart line { stroke: var(--line); stroke-width: 1 }
.chart line.axis { stroke: var(--muted) }
.chart .bar { fill: var(--accent) }
.chart .bar:hover { opacity: .75 }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums }
th { text-align: left; font-size: .8rem; font-weight: 600; color: var(--muted); padding: 0 .5rem .4rem }
td { padding: .45rem .5rem; border-top: 1px solid var(--line); vertical-align: middle }
th:first-child, td:first-child { padding-left: 0 }
th:last-child, td:last-child { padding-right: 0 }
.num { text-align: right; white-space: nowrap }
.slug { overflow-wrap: anywhere; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88rem }
.slug .title { font-family: var(--font); font-size: 1rem }
.slug .path { display: block; font-size: .8rem }
.slug a { color: inherit; text-underline-offset: .15em }
.trend { width: 7.5rem }
.spark { display: block; width: 100%; height: 1.6rem }
.spark-line { fill: none; stroke: var(--accent); stroke-width: 1.5 }
.spark-area { fill: var(--accent-soft) }
.empty { color: var(--muted); margin: .5rem 0 }
.note { color: var(--muted); font-size: .9rem; margin: 0 0 .75rem }
.breakdowns { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 22rem), 1fr)); column-gap: 1rem }
td.value { overflow-wrap: anywhere; width: 100% }
.share { display: block; width: 100%; height: .3rem; margin-top: .25rem }
.share rect { fill: var(--accent) }
footer { color: var(--muted); font-size: .8rem; text-align: center }
@media (max-width: 40rem) {
  main { padding: 1rem .75rem 2rem }
  .cards { grid-template-columns: repeat(2, 1fr) }
  .cards dd { font-size: 1.35rem }
  .chart text { font-size: 20px; stroke-width: 5px }
  /* Each row becomes two lines, the page on the first, so a long slug gets the full width. */
  .pages thead tr, .pages tbody tr { display: grid; grid-template-columns: 1fr 4rem 4.75rem; column-gap: .75rem; align-items: center }
  .pages thead tr { padding-bottom: .4rem }
  .pages tbody tr { border-top: 1px solid var(--line); padding: .55rem 0 }
  .pages :is(th, td) { border-top: 0; padding: 0 }
  .wide { display: none }
  /* The header mirrors the rows: "Page" on a line of its own above the slugs, the figures' names below. */
  th.page, td.slug { grid-column: 1 / -1; padding-bottom: .3rem }
  .trend { width: auto }
}
`
