/**
 * `jetpack-tui simulate ID` as the orchestrator and a person run it: the built CLI in a real child
 * process, stopped with real signals, its memory read from /proc.
 */
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {describe, expect, it} from 'vitest';
import {cliPath, runCli} from '../helpers/cli.js';
import {tempRepo} from '../helpers/temp-repo.js';

const tasks = [
	{id: 'ok', title: 'Passes', sim: {ms: 600}},
	{id: 'fails', title: 'Fails', sim: {ms: 300, exit: 3}},
	{id: 'spew', title: 'Floods', sim: {ms: 300, output: 'spew'}},
	{id: 'flood', title: 'Floods a stalled reader', sim: {ms: 1000, output: 'spew'}},
	{id: 'tui', title: 'Draws', sim: {ms: 400, output: 'tui'}},
	{id: 'hang', title: 'Hangs', sim: {ms: 100, hang: true}},
	{id: 'stubborn', title: 'Ignores signals', sim: {ms: 60_000, ignoreSigterm: true}},
	{id: 'hungry', title: 'Leaks', sim: {ms: 1500, memoryMbPerSec: 100}},
	{id: 'plain', title: 'No sim', estimatedMinutes: 30},
	{id: 'bad', title: 'Bad sim', sim: {ms: 'soon'}},
];

async function repo(): Promise<string> {
	const cwd = await tempRepo();
	mkdirSync(path.join(cwd, '.beads'));
	writeFileSync(
		path.join(cwd, '.beads', 'tasks.jsonl'),
		tasks.map((task) => `${JSON.stringify(task)}\n`).join(''),
	);
	return cwd;
}

interface Running {
	readonly child: ChildProcessWithoutNullStreams;
	/** Everything printed so far. */
	output(): string;
	readonly exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>;
}

/** The CLI started and left running, for tests that signal it or watch it while it works. */
function start(args: readonly string[], cwd: string): Running {
	const child = spawn(process.execPath, [cliPath, ...args], {
		cwd,
		env: {...process.env, NO_COLOR: '1', JETPACK_DEBUG: ''},
	});
	let output = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
	const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) =>
		child.on('close', (code, signal) => resolve({code, signal})),
	);
	return {child, output: () => output, exited};
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
		await delay(20);
	}
}

function rssKb(pid: number): number {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
}

describe('jetpack-tui simulate', () => {
	it('prints progress lines, then "done", and exits 0', async () => {
		const cwd = await repo();
		const {code, stdout, stderr} = await runCli(['simulate', 'ok'], {cwd});
		expect(stderr).toBe('');
		expect(code).toBe(0);
		const lines = stdout.trimEnd().split('\n');
		expect(lines.length).toBeGreaterThanOrEqual(3);
		expect(lines.slice(0, -1).every((line) => /^\[ {0,2}\d{1,3}%\] \S/.test(line))).toBe(true);
		expect(lines.at(-1)).toMatch(/^done/);
	});

	it('ends with an error line and the exit code the task asks for', async () => {
		const cwd = await repo();
		const {code, stdout} = await runCli(['simulate', 'fails'], {cwd});
		expect(code).toBe(3);
		expect(stdout.trimEnd().split('\n').at(-1)).toBe('Error: tests failed (simulated)');
	});

	it('spews coloured lines as fast as the reader takes them, then exits 0', async () => {
		const cwd = await repo();
		const {code, stdout} = await runCli(['simulate', 'spew'], {cwd});
		expect(code).toBe(0);
		expect(stdout.length).toBeGreaterThan(100_000);
		expect(stdout).toContain('\u001B[38;5;');
		// Flushed to the end: whole lines, the last one the final line.
		expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^done/);
	});

	it('waits for a stalled reader instead of buffering what it cannot write', async () => {
		const cwd = await repo();
		const child = spawn(process.execPath, [cliPath, 'simulate', 'flood'], {cwd});
		const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
		const pid = child.pid ?? 0;
		await delay(300);
		const before = rssKb(pid);
		await delay(600);
		// Unbounded, it would have buffered tens of megabytes of lines by now.
		expect(rssKb(pid) - before).toBeLessThan(20 * 1024);
		let bytes = 0;
		let tail = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
			bytes += chunk.length;
			tail = (tail + chunk).slice(-200);
		});
		expect(await exited).toBe(0);
		expect(bytes).toBeGreaterThan(0);
		expect(tail.trimEnd().split('\n').at(-1)).toMatch(/^done/);
	});

	it('redraws a full-screen frame in place and exits 0', async () => {
		const cwd = await repo();
		const {code, stdout} = await runCli(['simulate', 'tui'], {cwd});
		expect(code).toBe(0);
		expect(stdout.startsWith('\u001B[2J')).toBe(true);
		expect(stdout.split('\u001B[2J')).toHaveLength(2);
		const frames = stdout.split('\u001B[H').slice(1);
		expect(frames.length).toBeGreaterThanOrEqual(3);
		for (const frame of frames) expect(frame.split('simulated agent tui')).toHaveLength(2);
		expect(stdout).toContain('done: tui completed');
	});

	it('hangs until it is killed', async () => {
		const cwd = await repo();
		const run = start(['simulate', 'hang'], cwd);
		await delay(500);
		expect(run.child.exitCode).toBeNull();
		expect(run.output()).toContain('Waiting for the test runner');
		run.child.kill('SIGTERM');
		expect(await run.exited).toEqual({code: 143, signal: null});
		expect(run.output()).toContain('Interrupted by SIGTERM.');
	});

	it('ignores SIGTERM and SIGINT when told to, and dies of SIGKILL', async () => {
		const cwd = await repo();
		const run = start(['simulate', 'stubborn'], cwd);
		await until(() => run.output().includes('%]'), 'the first progress line');
		run.child.kill('SIGTERM');
		await until(() => run.output().includes('ignoring SIGTERM'), 'the SIGTERM notice');
		run.child.kill('SIGINT');
		await until(() => run.output().includes('ignoring SIGINT'), 'the SIGINT notice');
		await delay(200);
		expect(run.child.exitCode).toBeNull();
		run.child.kill('SIGKILL');
		expect(await run.exited).toEqual({code: null, signal: 'SIGKILL'});
	});

	it('grows its resident memory by memoryMbPerSec', async () => {
		const cwd = await repo();
		const run = start(['simulate', 'hungry'], cwd);
		const pid = run.child.pid ?? 0;
		await until(() => run.output().includes('%]'), 'the first progress line');
		const before = rssKb(pid);
		await delay(1100);
		const after = rssKb(pid);
		expect(after - before).toBeGreaterThan(80 * 1024);
		expect((await run.exited).code).toBe(0);
	});

	it('without a sim, works for estimatedMinutes scaled by JETPACK_SIM_SPEED', async () => {
		const cwd = await repo();
		const started = Date.now();
		const {code, stdout} = await runCli(['simulate', 'plain'], {
			cwd,
			env: {JETPACK_SIM_SPEED: '6000'},
		});
		expect(code).toBe(0);
		expect(Date.now() - started).toBeLessThan(10_000);
		// A progress line first: how far along depends on how long start-up took, which counts too.
		expect(stdout).toMatch(/^\[ *\d{1,3}%\] /);
		expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^done/);
	});

	it.each([
		[['simulate', 'nope'], {}, /^jetpack-tui: There is no task "nope"; [^\n]*\.\n$/],
		[
			['simulate', 'bad'],
			{},
			/^jetpack-tui: Task bad has a "sim" field [^\n]*sim\.ms must be a number of milliseconds[^\n]*\.\n$/,
		],
		[
			['simulate', 'plain'],
			{JETPACK_SIM_SPEED: 'fast'},
			/^jetpack-tui: JETPACK_SIM_SPEED must be a positive number[^\n]*\.\n$/,
		],
		[['simulate'], {}, /^jetpack-tui: `jetpack-tui simulate` needs ID[^\n]*\n$/],
	])('%j exits 2 with one sentence', async (args, env, message) => {
		const cwd = await repo();
		const {code, stdout, stderr} = await runCli(args, {cwd, env});
		expect(code).toBe(2);
		expect(stdout).toBe('');
		expect(stderr).toMatch(message);
	});
});
