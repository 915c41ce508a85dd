// A shields.io-style "flat" badge. Widths are estimated from Verdana's advances at 11px (the font
// shields uses); textLength then holds each text to its box whatever font the viewer has.
const narrow = new Set("ijlI!|.,:;'`")
const slim = new Set('frt()[]{} -/')
const wide = new Set('mwMW@%')
// East Asian wide characters take a full em.
const fullWidth = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u

function charWidth(char: string): number {
  if (narrow.has(char)) return 3.6
  if (slim.has(char)) return 4.6
  if (wide.has(char)) return 10.2
  if (/[0-9]/.test(char)) return 7
  if (/[A-Z]/.test(char)) return 7.6
  if (/[a-z]/.test(char)) return 6.6
  return fullWidth.test(char) ? 11 : 7
}

export const textWidth = (text: string) => Math.round([...text].reduce((sum, char) => sum + charWidth(char), 0))

export interface BadgeProps {
  label: string
  value: string
  color?: string
}

function Badge({ label, value, color = '#007ec6' }: BadgeProps) {
  const labelWidth = textWidth(label)
  const valueWidth = textWidth(value)
  const left = labelWidth + 10
  const width = left + valueWidth + 10
  const text = `${label}: ${value}`
  const font = { 'font-family': 'Verdana,Geneva,DejaVu Sans,sans-serif', 'font-size': '11' }
  return (
    <svg
      xmlns="http://www.w3.org/2000/svg"
      width={width}
      height="20"
      viewBox={`0 0 ${width} 20`}
      role="img"
      aria-label={text}
    >
      <title>{text}</title>
      <linearGradient id="s" x2="0" y2="100%">
        <stop offset="0" stop-color="#bbb" stop-opacity=".1" />
        <stop offset="1" stop-opacity=".1" />
      </linearGradient>
      <clipPath id="r">
        <rect width={width} height="20" rx="3" fill="#fff" />
      </clipPath>
      <g clip-path="url(#r)">
        <rect width={left} height="20" fill="#555" />
        <rect x={left} width={width - left} height="20" fill={color} />
        <rect width={width} height="20" fill="url(#s)" />
      </g>
      <g fill="#fff" text-anchor="middle" {...font} aria-hidden="true">
        <text x={left / 2} y="15" fill="#010101" fill-opacity=".3" textLength={labelWidth}>
          {label}
        </text>
        <text x={left / 2} y="14" textLength={labelWidth}>
          {label}
        </text>
        <text x={left + (valueWidth + 10) / 2} y="15" fill="#010101" fill-opacity=".3" textLength={valueWidth}>
          {value}
        </text>
        <text x={left + (valueWidth + 10) / 2} y="14" textLength={valueWidth}>
          {value}
        </text>
      </g>
    </svg>
  )
}

/** The badge as an SVG document; JSX escapes the label and value like any other text. */
export const renderBadge = async (props: BadgeProps) => String(await (<Badge {...props} />).toString())
