import { expect } from 'vitest';
import { KfchartsError } from '../../src/errors.ts';

/** Runs `run`, expecting it to throw a KfchartsError, and returns that error. */
export function thrown(run: () => unknown): KfchartsError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(KfchartsError);
    return error as KfchartsError;
  }
  throw new Error('expected an error');
}

/** A CRD of `kind` in group example.org, served and stored at v1. */
export const exampleCrd = (
  kind: string,
  scope = 'Namespaced',
) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${kind.toLowerCase()}s.example.org
spec:
  group: example.org
  names:
    kind: ${kind}
    plural: ${kind.toLowerCase()}s
  scope: ${scope}
  versions:
  - name: v1
    served: true
    storage: true
`;
