/**
 * Vitest configuration (vitest 5). Two projects run in one `vitest run`:
 *   unit — node-side tests next to the code they test, plus in-process integration tests in test/;
 *   e2e  — spawn the real hub and drive Chromium; one file at a time (ports, CPU, the browser).
 *
 * This file takes precedence over vite.config.ts for vitest, so the SvelteKit vite plugin is
 * deliberately not loaded: every test here runs in node. Inline projects inherit this root config
 * (vitest 5 `extends: true` default) — keep the root free of plugins.
 *
 *   npm test                      build + all projects
 *   npm test -- --project unit    one project
 *   npm test -- server/           a subset by path filter
 */
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        // Compiles runes in `.svelte.ts` state classes so they are tested as they run in the app.
        plugins: [svelte()],
        test: {
          name: 'unit',
          include: [
            'protocol/**/*.test.ts',
            'server/**/*.test.ts',
            'sim/**/*.test.ts',
            'src/**/*.test.ts',
            // in-process integration tests (hub + simulator + broker in one process)
            'test/**/*.test.ts',
          ],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 90_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
