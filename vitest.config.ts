import { configDefaults, defineConfig } from 'vitest/config';

// The SDK warns on Node 20 that releases after January 2027 need Node 22; the warning is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Two cores: integration files run two at a time against one DynamoDB Local.
export default defineConfig({
  test: {
    // `npm run coverage`: unit and integration tests together; src/ only. The CLI runs in child
    // processes, which v8 coverage of the test workers does not see.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'json-summary', 'text'],
      reportsDirectory: 'coverage',
      reportOnFailure: true,
      // A floor against regressions, a little under the last measured figures (README, "Coverage").
      thresholds: { lines: 96, statements: 95, functions: 96, branches: 90 },
    },
    projects: [
      // Property tests run hundreds of cases; under coverage on a loaded machine some take over 5 s.
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node', testTimeout: 20_000 } },
      {
        test: {
          name: 'types',
          include: [],
          typecheck: { enabled: true, only: true, include: ['test/types/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
        },
      },
      // The ts blocks of README.md and docs/ type-checked against src/ (test/docs/code-blocks.ts). The
      // README tour's run needs DynamoDB Local: it is an integration test.
      {
        test: {
          name: 'docs',
          include: ['test/docs/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/docs/readme-tour.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'examples/**/*.test.ts', 'test/docs/readme-tour.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          maxWorkers: 2,
          // Runs after the unit project when both run together (the coverage run).
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
