import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { parse } from 'csv-parse'
import { collector, type Dataset, dailyColumns, type FormatName, viewsColumns } from './dataset.ts'
import { type GoatCounterOptions, goatCounterHeader, goatCounterReader } from './goatcounter.ts'
import { readJson } from './json-file.ts'
import { InvalidFile } from './row-checks.ts'

export interface ReadOptions extends GoatCounterOptions {
  /** Skips detection. */
  format?: FormatName
}

/**
 * Reads an export file of any supported format (gzipped or not) into one dataset, checking every
 * row first: any bad row throws InvalidFile listing them all, so nothing half-read is ever loaded.
 */
export async function readDataset(path: string, options: ReadOptions): Promise<Dataset> {
  const gzipped = await isGzip(path)
  const format = options.format ?? (/^\uFEFF?\s*\{/.test(await firstChunk(open(path, gzipped))) ? 'json' : undefined)
  if (format === 'json')
    return readJson(await new Response(Readable.toWeb(open(path, gzipped)) as ReadableStream).text())
  return readCsv(open(path, gzipped), format, options)
}

// GoatCounter hands its export out as .csv.gz; reading it as it comes saves a step.
async function isGzip(path: string): Promise<boolean> {
  const magic = new Uint8Array(await Bun.file(path).slice(0, 2).arrayBuffer())
  return magic[0] === 0x1f && magic[1] === 0x8b
}

const open = (path: string, gzipped: boolean): Readable =>
  gzipped ? createReadStream(path).pipe(createGunzip()) : createReadStream(path)

async function firstChunk(stream: Readable): Promise<string> {
  for await (const chunk of stream) {
    stream.destroy()
    return (chunk as Buffer).toString('utf8')
  }
  return ''
}

const sameCells = (record: string[], columns: readonly string[]) =>
  record.length === columns.length && record.every((cell, i) => cell.trim().toLowerCase() === columns[i])

type RowSink = { row(record: string[], where: string): void; finish(): Dataset }

// Our views CSV and psql's `\copy views to … csv [header]` are one format: slug,count,last_seen.
function tableReader(format: 'views-csv' | 'daily-csv', hasHeader: boolean): RowSink & { skipHeader: boolean } {
  const rows = collector(format)
  const columns = format === 'views-csv' ? viewsColumns : dailyColumns
  return {
    skipHeader: hasHeader,
    row(record, where) {
      if (record.length !== columns.length) {
        return rows.unreadable(where, `has ${record.length} fields, expected ${columns.length} (${columns.join(',')})`)
      }
      const [slug, second, third] = record
      if (format === 'views-csv') rows.total({ slug, count: second, lastSeen: third }, where)
      else rows.daily({ slug, day: second, count: third }, where)
    },
    finish: () => rows.finish({ totals: format === 'views-csv', history: format === 'daily-csv' }),
  }
}

function readerFor(
  header: string[],
  forced: FormatName | undefined,
  options: ReadOptions,
): RowSink & { skipHeader: boolean } {
  const goat = goatCounterHeader.test(header[0] ?? '')
  if (forced === 'goatcounter' || (!forced && goat)) return { ...goatCounterReader(header, options), skipHeader: true }
  if (forced === 'daily-csv' || (!forced && sameCells(header, dailyColumns)))
    return tableReader('daily-csv', sameCells(header, dailyColumns))
  if (forced === 'views-csv' || sameCells(header, viewsColumns) || header.length === viewsColumns.length) {
    return tableReader('views-csv', sameCells(header, viewsColumns))
  }
  throw new InvalidFile([{ where: 'line 1', message: 'cannot tell the format of this file; name it with --format' }])
}

async function readCsv(stream: Readable, forced: FormatName | undefined, options: ReadOptions): Promise<Dataset> {
  const parser = stream.pipe(parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true }))
  let reader: (RowSink & { skipHeader: boolean }) | undefined
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      // info.lines is where a record ends; a quoted field may span lines, so count back to its start.
      const line = info.lines - record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0)
      if (!reader) {
        reader = readerFor(record, forced, options)
        if (reader.skipHeader) continue
      }
      reader.row(record, `line ${line}`)
    }
  } catch (error) {
    if (error instanceof InvalidFile) throw error
    const lines = (error as { lines?: number }).lines
    throw new InvalidFile([
      { where: lines ? `line ${lines}` : 'file', message: `not valid CSV: ${(error as Error).message}` },
    ])
  }
  if (!reader) throw new InvalidFile([{ where: 'file', message: 'the file is empty' }])
  return reader.finish()
}
