import { describe, expect, test } from 'bun:test'
import { dirname, relative, resolve } from 'node:path'

const root = resolve(import.meta.dir, '..')

// Every relative import and re-export in src, type-only ones included: the cycle this guards
// against ran through shared types, and Bun.Transpiler's scanImports leaves type imports out.
const specifier =
  /^\s*(?:import|export)\b[^;]*?\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/gm

async function importGraph(): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>()
  for await (const file of new Bun.Glob('src/**/*.{ts,tsx}').scan({ cwd: root })) {
    const text = await Bun.file(resolve(root, file)).text()
    const targets = [...text.matchAll(specifier)].map((match) =>
      relative(root, resolve(root, dirname(file), match[1] ?? match[2]!)),
    )
    graph.set(file, targets)
  }
  return graph
}

/** Each cycle once, as the files along it, found by depth-first search. */
function cyclesIn(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = []
  const done = new Set<string>()
  const visit = (file: string, path: string[]) => {
    const at = path.indexOf(file)
    if (at !== -1) return void cycles.push([...path.slice(at), file])
    if (done.has(file)) return
    for (const target of graph.get(file) ?? []) visit(target, [...path, file])
    done.add(file)
  }
  for (const file of [...graph.keys()].sort()) visit(file, [])
  return cycles
}

describe('the import graph of src', () => {
  test('has no cycle', async () => {
    expect(cyclesIn(await importGraph())).toEqual([])
  })

  test('the check sees a cycle, through type-only imports too', () => {
    const graph = new Map([
      ['src/a.ts', ['src/b.ts']],
      ['src/b.ts', ['src/c.ts']],
      ['src/c.ts', ['src/a.ts']],
    ])
    expect(cyclesIn(graph)).toEqual([['src/a.ts', 'src/b.ts', 'src/c.ts', 'src/a.ts']])
    expect("import type { Deps } from '../app.ts'".match(specifier)).not.toBeNull()
  })

  test('reads every module of src, and the imports of one it knows', async () => {
    const graph = await importGraph()
    expect(graph.size).toBeGreaterThan(40)
    expect(graph.get('src/http/app.ts')).toContain('src/http/routes/views.ts')
    expect(graph.get('src/http/types.ts')).toContain('src/counting/counting.ts')
  })
})
