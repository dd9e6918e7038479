import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parseDocument } from 'yaml';
import { type ErrorCode, KfchartsError } from './errors.ts';
import { projectRoot } from './paths.ts';

const ajv = new Ajv({ allErrors: true, strict: true });

/** Formats ajv errors as `/components/3/name: must match pattern ...` lines. */
export function formatSchemaErrors(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => {
      const where = e.instancePath || '(top level)';
      const extra =
        e.keyword === 'additionalProperties' ? ` '${String(e.params.additionalProperty)}'` : '';
      return `${where}: ${e.message ?? e.keyword}${extra}`;
    })
    .join('\n');
}

/**
 * Reads one of kfcharts' own YAML inputs (lock file, component list, known deviations)
 * and validates it against its JSON schema in schemas/. Errors name the file and the
 * offending path.
 */
export function readConfigFile<T>(path: string, schemaName: string, code: ErrorCode): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new KfchartsError(code, `cannot read ${path}`, { cause });
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new KfchartsError(code, `${path} is not valid YAML`, {
      details: doc.errors.map((e) => e.message).join('\n'),
    });
  }
  const value: unknown = doc.toJS();
  const validate = ajv.getSchema(schemaName) ?? compile(schemaName);
  if (!validate(value)) {
    throw new KfchartsError(code, `${path} does not match schemas/${schemaName}`, {
      details: formatSchemaErrors(validate.errors),
    });
  }
  return value as T;
}

function compile(schemaName: string) {
  const schema = JSON.parse(
    readFileSync(resolve(projectRoot, 'schemas', schemaName), 'utf8'),
  ) as object;
  ajv.addSchema(schema, schemaName);
  const validate = ajv.getSchema(schemaName);
  if (!validate) throw new Error(`schema ${schemaName} did not compile`);
  return validate;
}
