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
import {until} from '../helpers/until.js';

const tasks = [
	{id: 'ok', title: 'Passes', sim: {ms: 600}},
	{id: 'fails', title: 'Fails', sim: {ms: 300, exit: 3}},
	{id: 'spew', title: 'Floods', sim: {ms: 300, output: 'spew'}},
	{id: 'flood', title: 'Floods a stalled reader', sim: {ms: 1000, output: 'spew'}},
	{id: 'tui', title: 'Draws', sim: {ms: 400, output: 'tui'}},
	{id: 'hang', title: 'Hangs', sim: {ms: 100, hang: true}},
	{id: 'stubborn', title: 'Ignores signals', sim: {ms: 60_000, ignoreSigterm: true}},
	// Hangs so that it is still leaking however late a loaded machine lets the test look.
	{id: 'hungry', title: 'Leaks', sim: {ms: 100, memoryMbPerSec: 100, hang: true}},
	// Zero-length work still shows one step of it: what a start-up slower than `ms` leaves.
	{id: 'instant', title: 'Done at once', sim: {ms: 0}},
	{id: 'instant-spew', title: 'Spews at once', sim: {ms: 0, output: 'spew'}},
	{id: 'instant-tui', title: 'Draws at once', sim: {ms: 0, output: 'tui'}},
	{id: 'plain', title: 'No sim', estimatedMinutes: 30},
	{id: 'bad', title: 'Bad sim', sim: {ms: 'soon'}},
	{id: 'writer', title: 'Writes files', sim: {ms: 0, writes: {'src/a.txt': 'one\n', 'b.txt': 'b'}}},
	{id: 'appender', title: 'Appends', sim: {ms: 0, writes: {'src/a.txt': 'two\n'}, append: true}},
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
function start(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Running {
	const child = spawn(process.execPath, [cliPath, ...args], {
		cwd,
		env: {...process.env, NO_COLOR: '1', JETPACK_DEBUG: '', ...env},
	});
	let output = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
	const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) =>
		child.on('close', (code, signal) => resolve({code, signal})),
	);
	return {child, output: () => output, exited};
}

function rssKb(pid: number): number {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
}

/** Bytes the process has written so far, to any file or pipe. */
function writtenBytes(pid: number): number {
	return Number(/^wchar:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1]);
}

/** The spew lines' serial numbers, in the order printed (each line starts with a dimmed one). */
function spewNumbers(stdout: string): number[] {
	return [...stdout.matchAll(/^\u001B\[2m(\d{8})\u001B\[0m /gm)].map((match) => Number(match[1]));
}

describe('jetpack-tui simulate', () => {
	it('prints progress lines, then "done", and exits 0', async () => {
		const cwd = await repo();
		const {code, stdout, stderr} = await runCli(['simulate', 'ok'], {cwd});
		expect(stderr).toBe('');
		expect(code).toBe(0);
		const lines = stdout.trimEnd().split('\n');
		// How many progress lines fit in 600 ms depends on the machine's load; at least one always.
		expect(lines.length).toBeGreaterThanOrEqual(2);
		expect(lines.slice(0, -1).every((line) => /^\[ {0,2}\d{1,3}%\] \S/.test(line))).toBe(true);
		expect(lines.at(-1)).toMatch(/^done/);
	});

	it('shows one step of the work even when its time ran out during start-up', async () => {
		const cwd = await repo();
		const lines = await runCli(['simulate', 'instant'], {cwd});
		expect(lines.code).toBe(0);
		expect(lines.stdout).toMatch(/^\[100%\] \S[^\n]*\ndone: instant completed \(simulated\)\n$/);

		const spew = await runCli(['simulate', 'instant-spew'], {cwd});
		expect(spew.code).toBe(0);
		expect(spewNumbers(spew.stdout).length).toBeGreaterThan(0);

		const tui = await runCli(['simulate', 'instant-tui'], {cwd});
		expect(tui.code).toBe(0);
		// A frame of the work, then the final one over it.
		expect(tui.stdout.split('\u001B[H').slice(1)).toHaveLength(2);
	});

	it('writes the files the task asks for in its working folder, appending when asked', async () => {
		const cwd = await repo();
		expect((await runCli(['simulate', 'writer'], {cwd})).code).toBe(0);
		expect((await runCli(['simulate', 'appender'], {cwd})).code).toBe(0);
		expect(readFileSync(path.join(cwd, 'src', 'a.txt'), 'utf8')).toBe('one\ntwo\n');
		expect(readFileSync(path.join(cwd, 'b.txt'), 'utf8')).toBe('b');
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
		const numbers = spewNumbers(stdout);
		expect(numbers.length).toBeGreaterThan(0);
		expect(stdout).toContain('\u001B[38;5;');
		// Flushed to the end: every line printed, in order, whole, the last one the final line.
		expect(numbers).toEqual(numbers.map((_, index) => index));
		expect(stdout.trimEnd().split('\n')).toHaveLength(numbers.length + 1);
		expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^done/);
	});

	it('waits for a stalled reader instead of buffering what it cannot write', async () => {
		const cwd = await repo();
		const child = spawn(process.execPath, [cliPath, 'simulate', 'flood'], {cwd});
		const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
		const pid = child.pid ?? 0;
		// Half a pipe written (a pipe holds 64 KiB): past start-up and spewing, its memory measured from here.
		await until(() => writtenBytes(pid) >= 32 * 1024, 'the pipe to fill');
		const before = rssKb(pid);
		const written = writtenBytes(pid);
		// Its 1000 ms of spewing end while nobody reads.
		await delay(1000);
		// Unbounded, it would have buffered tens of megabytes of lines by now.
		expect(rssKb(pid) - before).toBeLessThan(20 * 1024);
		expect(writtenBytes(pid) - written).toBeLessThan(1024 * 1024);
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
		// At least one frame of the work and the final one; how many more depends on the load.
		expect(frames.length).toBeGreaterThanOrEqual(2);
		for (const frame of frames) expect(frame.split('simulated agent tui')).toHaveLength(2);
		expect(stdout).toContain('done: tui completed');
	});

	it('hangs until it is killed', async () => {
		const cwd = await repo();
		const run = start(['simulate', 'hang'], cwd);
		// Still going a second after its work was over.
		await until(() => run.output().includes('(2 s)'), 'the second waiting line');
		expect(run.child.exitCode).toBeNull();
		expect(run.output()).not.toContain('done');
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
		const spawned = Date.now();
		const run = start(['simulate', 'hungry'], cwd);
		const pid = run.child.pid ?? 0;
		await until(() => run.output().includes('%]'), 'the first progress line');
		const before = rssKb(pid);
		await until(() => rssKb(pid) - before > 80 * 1024, 'its memory to grow by 80 MB');
		const grownKb = rssKb(pid) - before;
		// Never faster than asked: at 100 MB/s it has been alive at least grown/100 seconds, and it
		// started after it was spawned. A loaded machine only makes it slower.
		const aliveSeconds = (Date.now() - spawned) / 1000;
		expect(grownKb / 1024).toBeLessThanOrEqual(100 * aliveSeconds + 20);
		run.child.kill('SIGTERM');
		expect((await run.exited).code).toBe(143);
	});

	it('without a sim, works for estimatedMinutes scaled by JETPACK_SIM_SPEED', async () => {
		const cwd = await repo();
		// 30 minutes at 6000× is 300 ms: it finishes.
		const {code, stdout} = await runCli(['simulate', 'plain'], {
			cwd,
			env: {JETPACK_SIM_SPEED: '6000'},
		});
		expect(code).toBe(0);
		// A progress line first: how far along depends on how long start-up took, which counts too.
		expect(stdout).toMatch(/^\[ *\d{1,3}%\] /);
		expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^done/);

		// 30 minutes at 1× is 30 minutes: well under 1% done after its first step.
		const slow = start(['simulate', 'plain'], cwd, {JETPACK_SIM_SPEED: '1'});
		await until(() => slow.output().includes('%]'), 'the first progress line');
		expect(slow.output()).toMatch(/^\[ {2}0%\] /);
		slow.child.kill('SIGTERM');
		expect((await slow.exited).code).toBe(143);
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
