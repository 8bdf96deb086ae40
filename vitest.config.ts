import { defineConfig } from 'vitest/config';

// Workspace packages export `./src/*.ts` under the "development" condition, so tests run on sources
// without a build. Unit tests (`*.unit.spec.ts`) do no I/O; integration and end-to-end tests
// (`*.int.spec.ts`, `*.e2e.spec.ts`) share one set of real servers started by the global setup.
const conditions = ['development', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['development'] } },
  test: {
    // Integration files share the servers but isolate themselves; two cores gain nothing from more workers.
    maxWorkers: 2,
    minWorkers: 1,
    coverage: {
      provider: 'v8',
      include: ['shared/src/**', 'machines/src/**', 'schemas/src/**', 'services/*/src/**', 'infra/src/**'],
      exclude: ['**/*.spec.ts', '**/main.ts', '**/bench/**'],
      reporter: ['text-summary', 'json-summary', 'html'],
    },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['**/*.unit.spec.ts'], exclude: ['**/node_modules/**', '**/dist/**'] },
      },
      {
        extends: true,
        test: {
          name: 'int',
          include: ['**/*.int.spec.ts', '**/*.e2e.spec.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          globalSetup: ['test/src/globalSetup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        // The chaos test restarts the broker and the database: alone (`npm run test:chaos`), never with the others.
        extends: true,
        test: {
          name: 'chaos',
          include: ['**/*.chaos.spec.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          globalSetup: ['test/src/globalSetup.ts'],
          testTimeout: 45 * 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
