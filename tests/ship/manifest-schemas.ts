// Finds the JSON schema for a rendered object: the kubernetes-models packages where one covers the
// kind, otherwise the CRD in shared/crds compiled with ajv. CRD schemas are closed here
// (additionalProperties: false wherever properties are listed) because the API server would
// silently prune a misspelt field rather than reject it.
import Ajv from 'ajv'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { repoRoot, type K8sObject } from './rendered-manifests.ts'

const modelPackages: Record<string, string> = {
  '': 'kubernetes-models',
  apps: 'kubernetes-models',
  policy: 'kubernetes-models',
  'networking.k8s.io': 'kubernetes-models',
  'postgresql.cnpg.io': '@kubernetes-models/cloudnative-pg',
  'external-secrets.io': '@kubernetes-models/external-secrets',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
}

export const crdDirectory = join(repoRoot, '../shared/crds')
const crdFiles: Record<string, string> = {
  'barmancloud.cnpg.io': 'objectstore.crd.yaml',
  'policy.sigstore.dev': 'clusterimagepolicy.crd.yaml',
}

function closeSchema(schema: any): any {
  if (Array.isArray(schema)) return schema.map(closeSchema)
  if (!schema || typeof schema !== 'object') return schema
  const closed: any = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, closeSchema(value)]))
  if (closed.properties && closed.additionalProperties === undefined && !closed['x-kubernetes-preserve-unknown-fields']) {
    closed.additionalProperties = false
  }
  return closed
}

const ajv = new Ajv({ strict: false, allErrors: true })

function crdValidator(group: string, version: string, kind: string) {
  const file = join(crdDirectory, crdFiles[group]!)
  if (!existsSync(file)) throw new Error(`CRD schema ${file} missing (shared/crds must sit beside the repo)`)
  const crd = parse(readFileSync(file, 'utf8'))
  if (crd.spec.names.kind !== kind) throw new Error(`${file} defines ${crd.spec.names.kind}, not ${kind}`)
  const served = crd.spec.versions.find((v: any) => v.name === version && v.served)
  if (!served) throw new Error(`${kind} ${group}/${version} is not a served version of ${file}`)
  // Only spec is closed: the root schema leaves apiVersion, kind and metadata to the API server.
  const root = served.schema.openAPIV3Schema
  const schema = { ...root, properties: { ...root.properties, spec: closeSchema(root.properties.spec) } }
  return { scope: crd.spec.scope as string, validate: ajv.compile(schema) }
}

export type Validation = { covered: true; errors: string[]; source: string } | { covered: false }

export async function validateObject(object: K8sObject): Promise<Validation> {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion]
  if (group! in crdFiles) {
    const { validate } = crdValidator(group!, version!, object.kind)
    validate(object)
    return {
      covered: true,
      source: `shared/crds/${crdFiles[group!]}`,
      errors: (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`),
    }
  }
  const pkg = modelPackages[group!]
  if (!pkg) return { covered: false }
  const path = group ? `${pkg}/${group}/${version}/${object.kind}` : `${pkg}/${version}/${object.kind}`
  const module = await import(path)
  const Model = module[object.kind] ?? module.default
  try {
    new Model(object).validate()
    return { covered: true, source: path, errors: [] }
  } catch (error) {
    return { covered: true, source: path, errors: [(error as Error).message] }
  }
}

export function crdScope(group: string): string | undefined {
  const file = crdFiles[group]
  return file ? parse(readFileSync(join(crdDirectory, file), 'utf8')).spec.scope : undefined
}
