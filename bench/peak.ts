export interface PeakTracker {
  /** The largest value read since the previous mark (a per-scenario peak), and starts a new period. */
  mark(): number
  /** The largest value read since the tracker started. */
  peak(): number
  samples(): number
  stop(): void
}

// Reads a number every `everyMs` and keeps its maximum. A read still in flight is not started
// again, so a slow database sample cannot pile up behind itself.
export function trackPeak(read: () => Promise<number>, everyMs = 100): PeakTracker {
  let peak = 0
  let sinceMark = 0
  let samples = 0
  let busy = false
  const timer = setInterval(async () => {
    if (busy) return
    busy = true
    try {
      const value = await read()
      samples++
      peak = Math.max(peak, value)
      sinceMark = Math.max(sinceMark, value)
    } catch {
      // A process that just exited or a sample that failed says nothing about the peak.
    } finally {
      busy = false
    }
  }, everyMs)
  return {
    mark() {
      const value = sinceMark
      sinceMark = 0
      return value
    },
    peak: () => peak,
    samples: () => samples,
    stop: () => clearInterval(timer),
  }
}
