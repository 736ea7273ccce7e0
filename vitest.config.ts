import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
		globalSetup: ['test/helpers/global-setup.ts'],
		// node-pty and worker threads do not mix; every file gets its own process.
		pool: 'forks',
		testTimeout: 60_000,
		hookTimeout: 60_000,
		allowOnly: false,
	},
});
