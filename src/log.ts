import { writeSync } from 'node:fs'

const levels = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const

export type LogLevel = keyof typeof levels
export type Logger = Record<Exclude<LogLevel, 'silent'>, (msg: string, fields?: Record<string, unknown>) => void>

// Written synchronously, as Node writes stdout to a pipe: an asynchronous write still queued when
// the process exits is lost (measured: 512 of 5,000 lines reached a slow reader), and the exit is
// where the shutdown and error lines come. A pipe Bun has made non-blocking answers EAGAIN when
// full; the rest is written once it drains.
function writeToStdout(chunk: string) {
  const bytes = Buffer.from(chunk)
  let written = 0
  while (written < bytes.length) {
    try {
      written += writeSync(1, bytes, written)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error
      Bun.sleepSync(1)
    }
  }
}

/**
 * Lines gathered and written together: one write per line was about a tenth of the CPU a cached
 * read costs. A line waits at most `flushMs`; a warning or an error is written at once, with
 * whatever waited before it, and everything left is written when the process exits.
 */
export function bufferedLines(
  write: (chunk: string) => void = writeToStdout,
  { flushMs = 100, maxChars = 64 * 1024 } = {},
) {
  let pending = ''
  let timer: ReturnType<typeof setTimeout> | undefined
  const take = () => {
    clearTimeout(timer)
    timer = undefined
    const chunk = pending
    pending = ''
    return chunk
  }
  const flush = () => pending !== '' && write(take())
  process.on('exit', flush)
  return {
    write(line: string, urgent = false) {
      pending += `${line}\n`
      if (urgent || pending.length >= maxChars) flush()
      else timer ??= setTimeout(flush, flushMs).unref()
    },
    flush,
  }
}

let stdoutLines: ReturnType<typeof bufferedLines> | undefined
// Made at the first line, so a logger that never writes (tests, 'silent') adds no exit handler.
function toStdout(line: string, urgent: boolean) {
  stdoutLines ??= bufferedLines()
  stdoutLines.write(line, urgent)
}

// One JSON object per line, so the cluster's log collector needs no parser of its own.
export function createLogger(threshold: LogLevel, write: (line: string, urgent: boolean) => void = toStdout): Logger {
  const at = (level: Exclude<LogLevel, 'silent'>) =>
    levels[level] < levels[threshold]
      ? () => {}
      : (msg: string, fields?: Record<string, unknown>) =>
          write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }), levels[level] >= levels.warn)
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}
