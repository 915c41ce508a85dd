import { describe, expect, test } from 'bun:test'
import { only } from './rendered-manifests.ts'

// The reference Deployment and Service select app: view-counter; spec.selector is immutable, so a
// different one makes the apply fail and the Flux Kustomization stall.
describe('drop-in for the reference', () => {
  const reference = {
    Deployment: { namespace: 'view-counter', name: 'view-counter', selector: { app: 'view-counter' } },
    Service: { namespace: 'view-counter', name: 'viewcounter-server', selector: { app: 'view-counter' } },
  }

  test("the Deployment keeps the reference's name, namespace and selector", () => {
    const deployment = only('Deployment')
    expect({
      namespace: deployment.metadata.namespace,
      name: deployment.metadata.name,
      selector: deployment.spec.selector.matchLabels,
    }).toEqual(reference.Deployment)
    expect(deployment.spec.template.metadata.labels).toMatchObject(reference.Deployment.selector)
  })

  test("the Service keeps the reference's name, namespace and selector", () => {
    const service = only('Service')
    expect({
      namespace: service.metadata.namespace,
      name: service.metadata.name,
      selector: service.spec.selector,
    }).toEqual(reference.Service)
  })
})
