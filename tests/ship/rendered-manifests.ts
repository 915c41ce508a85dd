// Renders the kustomize folders once with the kustomize built into kubectl, as Flux would, reads
// the Flux objects in flux/, and hands them to every ship test.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'

export const repoRoot = join(import.meta.dir, '../..')

export interface K8sObject {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
  spec?: any
  data?: Record<string, string>
  [field: string]: any
}

export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text).map((document) => document.toJS() as K8sObject)
}

export function render(directory: string): K8sObject[] {
  const result = Bun.spawnSync(['kubectl', 'kustomize', join(repoRoot, directory)])
  if (result.exitCode !== 0) throw new Error(`kubectl kustomize ${directory} failed:\n${result.stderr.toString()}`)
  return parseObjects(result.stdout.toString())
}

// The two folders the Flux Kustomizations apply, each on its own.
export const appObjects = render('manifests')
export const policyObjects = render('manifests/policy')
export const rendered = [...appObjects, ...policyObjects]

export const fluxObjects = readdirSync(join(repoRoot, 'flux'))
  .filter((file) => file.endsWith('.yaml'))
  .flatMap((file) => parseObjects(readFileSync(join(repoRoot, 'flux', file), 'utf8')))

export function only(kind: string, name?: string, objects: K8sObject[] = rendered): K8sObject {
  const matches = objects.filter((object) => object.kind === kind && (!name || object.metadata.name === name))
  if (matches.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${matches.length}`)
  return matches[0]!
}
