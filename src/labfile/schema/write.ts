// schema/lab.schema.json from the zod schema, for editor completion in lab files
// (`# yaml-language-server: $schema=../../schema/lab.schema.json`).
// Run: node dist/labfile/schema/write.js   (a unit test keeps the file current)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { schemaDir } from '../../core/paths.js';
import { labFileSchema } from './schema.js';

export const LAB_SCHEMA_FILE = join(schemaDir, 'lab.schema.json');

/** The lab file's JSON Schema (draft-07, what YAML language servers read best). */
export function labJsonSchema(): object {
  return z.toJSONSchema(labFileSchema, { io: 'input', target: 'draft-07' });
}

/** The file's exact text. */
export function labJsonSchemaText(): string {
  return `${JSON.stringify(labJsonSchema(), null, 2)}\n`;
}

export function writeLabSchema(file: string = LAB_SCHEMA_FILE): string {
  mkdirSync(resolve(file, '..'), { recursive: true });
  writeFileSync(file, labJsonSchemaText());
  return file;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = writeLabSchema();
  console.log(`wrote ${file}`);
}
