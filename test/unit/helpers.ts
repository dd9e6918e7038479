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
