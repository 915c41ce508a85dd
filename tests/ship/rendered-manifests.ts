// Renders manifests/ once with the kustomize built into kubectl, as Flux would, and hands the
// objects to every ship test.
import { parseAllDocuments } from 'yaml'
import { join } from 'node:path'

export const repoRoot = join(import.meta.dir, '../..')

export interface K8sObject {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string> }
  spec?: any
  data?: Record<string, string>
  [field: string]: any
}

function render(): K8sObject[] {
  const result = Bun.spawnSync(['kubectl', 'kustomize', join(repoRoot, 'manifests')])
  if (result.exitCode !== 0) throw new Error(`kubectl kustomize failed:\n${result.stderr.toString()}`)
  return parseAllDocuments(result.stdout.toString()).map((document) => document.toJS() as K8sObject)
}

export const rendered = render()

export function only(kind: string, name?: string): K8sObject {
  const matches = rendered.filter((object) => object.kind === kind && (!name || object.metadata.name === name))
  if (matches.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${matches.length}`)
  return matches[0]!
}
