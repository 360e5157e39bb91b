import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}'],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // Real containers on a 2-core machine: labs take seconds, not milliseconds.
          testTimeout: 240_000,
          hookTimeout: 240_000,
          // One lab at a time keeps timings honest and the engine unsaturated.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'conformance',
          include: ['test/conformance/**/*.test.ts'],
          // Upstream's proxiers run as Go test binaries, built once (about 5 min cold, then
          // cached by input hash in ~/.cache/netlab-conformance: a second).
          testTimeout: 120_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
