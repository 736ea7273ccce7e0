/** A headless run as a test drives it: the built CLI with `--headless --json`, its lines as they come. */
import {spawn} from 'node:child_process';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {cliPath} from './cli.js';

export interface Line {
	readonly event: string;
	readonly task?: string;
	readonly [key: string]: unknown;
}

export const stored = (cwd: string) =>
	new Map(
		readFileSync(path.join(cwd, '.beads', 'tasks.jsonl'), 'utf8')
			.trim()
			.split('\n')
			.map(
				(line) =>
					JSON.parse(line) as {
						id: string;
						status: string;
						retryCount: number;
						attempts: Array<{failureType?: string; startedAt: string; endedAt?: string}>;
						failureType?: string;
						lastError?: string;
						completedAt?: string;
					},
			)
			.map((task) => [task.id, task]),
	);

export const fast = {
	retryBackoffSeconds: [0.2],
	timeoutFactor: 0.02,
	graceSeconds: 0.3,
	stallMinutes: 5,
};

/** Starts a headless run and collects its JSON lines as they come. */
export function start(cwd: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
	const child = spawn(process.execPath, [cliPath, '--headless', '--json', ...args], {
		cwd,
		stdio: ['ignore', 'pipe', 'pipe'],
		env: {...process.env, NO_COLOR: '1', ...env},
	});
	const lines: Line[] = [];
	let stderr = '';
	let buffer = '';
	const waiters: Array<{test: (lines: Line[]) => boolean; resolve: () => void}> = [];
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		buffer += chunk;
		const parts = buffer.split('\n');
		buffer = parts.pop() ?? '';
		for (const part of parts) if (part.trim() !== '') lines.push(JSON.parse(part) as Line);
		for (const waiter of [...waiters]) if (waiter.test(lines)) waiter.resolve();
	});
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
	const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
	const until = async (test: (all: Line[]) => boolean) =>
		test(lines) ? undefined : new Promise<void>((resolve) => waiters.push({test, resolve}));
	return {child, lines, exited, until, stderr: () => stderr};
}
