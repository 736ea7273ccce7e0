/**
 * Tests run the built CLI in child processes. `npm test` builds first; when vitest is run on its
 * own, this rebuilds whenever a source file is newer than the build.
 */
import {execFileSync} from 'node:child_process';
import {readdirSync, statSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {TestProject} from 'vitest/node';
import {startPgServer} from './pg-server.mjs';

declare module 'vitest' {
	export interface ProvidedContext {
		/** The test run's PostgreSQL server, as its superuser: `inject('pgUrl')`. */
		pgUrl: string;
	}
}

const root = fileURLToPath(new URL('../..', import.meta.url));

function newest(dir: string): number {
	let latest = 0;
	for (const entry of readdirSync(dir, {withFileTypes: true})) {
		const full = path.join(dir, entry.name);
		latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
	}

	return latest;
}

/**
 * Builds when needed, and starts one real PostgreSQL server for the whole run (each test file
 * works in projects or databases of its own); stopped, and its folder removed, at the end.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
	const server = startPgServer();
	try {
		build();
	} catch (error) {
		await (await server).stop();
		throw error;
	}

	const started = await server;
	project.provide('pgUrl', started.url);
	return async () => started.stop();
}

function build(): void {
	let built = 0;
	try {
		built = statSync(path.join(root, 'dist', 'cli.js')).mtimeMs;
	} catch {
		// Not built yet.
	}

	if (built < newest(path.join(root, 'source'))) {
		try {
			execFileSync(
				process.execPath,
				[path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
				{
					cwd: root,
					stdio: 'inherit',
				},
			);
		} catch (error) {
			// tsc still emits: a type error elsewhere (work in progress) need not stop the tests that
			// run; `npm test` type-checks everything before vitest anyway.
			if (statSync(path.join(root, 'dist', 'cli.js'), {throwIfNoEntry: false}) === undefined)
				throw error;
			console.warn('global-setup: the build reported errors (above); testing what it emitted.');
		}
	}
}
