import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
		globalSetup: ['test/helpers/global-setup.ts'],
		// node-pty and worker threads do not mix; every file gets its own process.
		pool: 'forks',
		// Most files wait on real processes, ptys, git and a database rather than compute: two at a
		// time on two cores (vitest's default there is one).
		poolOptions: {forks: {maxForks: 2, minForks: 1}},
		testTimeout: 60_000,
		hookTimeout: 60_000,
		allowOnly: false,
	},
});
