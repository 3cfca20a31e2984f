import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed package's root, where fixtures/ lives, from dist/ or src/ alike. */
export function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
}
