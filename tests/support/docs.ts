import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export const repoRoot = new URL('../..', import.meta.url).pathname

export interface Doc {
  /** Path from the repository root, e.g. `docs/api.md`. */
  path: string
  text: string
}

/** The README and every page under docs/: the documentation a reader of the repository sees. */
export const docs: Doc[] = [
  'README.md',
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
].map((path) => ({ path, text: readFileSync(join(repoRoot, path), 'utf8') }))

export interface FencedBlock {
  /** 1-based line of the opening fence. */
  line: number
  language: string
  body: string[]
  /** The HTML comment on the line before the fence (blank lines between allowed), without `<!--`/`-->`. */
  comment?: string
}

export function fencedBlocks(text: string): FencedBlock[] {
  const lines = text.split('\n')
  const blocks: FencedBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*```(\S*)\s*$/.exec(lines[i]!)
    if (!open) continue
    const end = lines.findIndex((line, j) => j > i && /^\s*```\s*$/.test(line))
    if (end < 0) throw new Error(`line ${i + 1}: a fence that is never closed`)
    let before = i - 1
    while (before >= 0 && lines[before]!.trim() === '') before--
    const comment = /^<!--(.*)-->$/.exec(lines[before]?.trim() ?? '')?.[1]?.trim()
    blocks.push({ line: i + 1, language: open[1]!, body: lines.slice(i + 1, end), comment })
    i = end
  }
  return blocks
}

/** The text outside fenced blocks and inline code, where links and headings are. */
export function prose(text: string): string {
  return text.replace(/^\s*```[\s\S]*?^\s*```\s*$/gm, '').replace(/`[^`\n]*`/g, '')
}
