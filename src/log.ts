const levels = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const

export type LogLevel = keyof typeof levels
export type Logger = Record<Exclude<LogLevel, 'silent'>, (msg: string, fields?: Record<string, unknown>) => void>

// One JSON object per line, so the cluster's log collector needs no parser of its own.
export function createLogger(
  threshold: LogLevel,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
  const at = (level: Exclude<LogLevel, 'silent'>) =>
    levels[level] < levels[threshold]
      ? () => {}
      : (msg: string, fields?: Record<string, unknown>) =>
          write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }))
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}
