import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { strictDateTime } from '../http/formats.js';
import { CliError } from './context.js';

const compiled = new WeakMap<object, ValidateFunction>();

/** Compiled once per schema, with the options the HTTP app gives Fastify's Ajv, so a file is accepted exactly when the body would be. */
function validator(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    const ajv = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false, keywords: ['example'] });
    addFormats.default(ajv);
    strictDateTime(ajv);
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

const describe = (e: ErrorObject): string => {
  const extra = e.keyword === 'additionalProperties' ? ` '${String(e.params.additionalProperty)}'` : '';
  return `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}${extra}`;
};

/** Reads a JSON file and validates it against one of the API's request schemas. */
export async function readJsonFile<T>(path: string, schema: object): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  const check = validator(schema);
  if (!check(body)) throw new CliError(`${path}: ${(check.errors ?? []).map(describe).join('; ')} (VALIDATION_FAILED)`);
  return body as T;
}
