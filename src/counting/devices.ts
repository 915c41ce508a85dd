import Bowser from 'bowser'

/** What a User-Agent says of the reader's device: families and a class only, never versions. */
export interface Device {
  browser?: string
  os?: string
  device?: 'phone' | 'tablet' | 'desktop'
}

// bowser's platform types (bowser/src/constants.js, PLATFORMS_MAP) as the stats name them; a TV or
// a bot is none of the three.
const classes: Record<string, Device['device']> = { mobile: 'phone', tablet: 'tablet', desktop: 'desktop' }

// Real browsers' User-Agents are a few hundred characters; a longer one is not worth parsing or keeping.
const MAX_UA = 1024
// The hot path sees few distinct User-Agents; this many are remembered, the oldest forgotten first.
const CACHE_SIZE = 256

function parse(userAgent: string): Device {
  const { browser, os, platform } = Bowser.parse(userAgent)
  const device: Device = {}
  if (browser.name) device.browser = browser.name
  if (os.name) device.os = os.name
  const type = platform.type && classes[platform.type]
  if (type) device.device = type
  return device
}

/**
 * Reads browser family, OS family and device class from User-Agents with bowser (MIT,
 * github.com/bowser-js/bowser), remembering the last few hundred in memory. An empty, over-long or
 * unparseable User-Agent gives no values.
 */
export function deviceReader(cacheSize = CACHE_SIZE) {
  const cache = new Map<string, Device>()
  return (userAgent: string | undefined): Device => {
    if (!userAgent || userAgent.length > MAX_UA) return {}
    let device = cache.get(userAgent)
    if (device) return device
    device = parse(userAgent)
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!)
    cache.set(userAgent, device)
    return device
  }
}
