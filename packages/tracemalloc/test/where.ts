// Where a marker comment sits: the file (as a path) and its 1-based line.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));

export function fileOf(name: string): string {
  return `${HERE}${name}`;
}

export function lineOf(name: string, marker: string): number {
  const lines = readFileSync(fileOf(name), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(`// ${marker}`));
  if (i < 0) throw new Error(`marker ${marker} not in ${name}`);
  return i + 1;
}

export function frameOf(name: string, marker: string): string {
  return `${fileOf(name)}:${lineOf(name, marker)}`;
}
