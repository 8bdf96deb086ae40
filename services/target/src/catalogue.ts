import { fileURLToPath } from 'node:url';

/** The example catalogue shipped for the sample checkout service (the same path from sources and from the build). */
export function exampleCatalogue(): string {
  return fileURLToPath(new URL('../catalogue/sample.yaml', import.meta.url));
}
