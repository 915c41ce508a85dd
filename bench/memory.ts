import { type PeakTracker, trackPeak } from './peak.ts'

export interface MemoryReading {
  /** Resident set size now, MiB. */
  rss: number
  /** The kernel's high-water mark of the resident set since the process started, MiB. */
  hwm: number
}

const mib = (status: string, field: string) =>
  Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN) / 1024

export async function readMemory(pid: number): Promise<MemoryReading> {
  const status = await Bun.file(`/proc/${pid}/status`).text()
  return { rss: mib(status, 'VmRSS'), hwm: mib(status, 'VmHWM') }
}

// Sampled from this process, which idles while wrk runs; VmHWM still catches a peak between samples.
export const trackRss = (pid: number, everyMs = 100): PeakTracker =>
  trackPeak(async () => (await readMemory(pid)).rss, everyMs)
