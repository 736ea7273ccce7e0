/**
 * Unattended runs, end to end: the built CLI with `--headless`, real simulated agents in real
 * ptys, real signals.
 */
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it, vi} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {fast, start, stored} from '../helpers/headless.js';
import {processesOf} from '../helpers/processes.js';
import {repoWith} from '../helpers/temp-repo.js';

describe('jetpack-tui --headless', () => {
	it('runs mixed outcomes to the end: successes, retries, a failure, timeouts, a chain in order', async () => {
		const title = '$(touch pwned) `touch pwned2`; rm -rf "x" && echo \'hi\'';
		const cwd = await repoWith(
			[
				{id: 'ok1', title: 'fine', requiredSkills: ['sim'], sim: {ms: 300}},
				{id: 'c1', title: 'chain 1', requiredSkills: ['sim'], sim: {ms: 200}},
				{id: 'c2', title: 'chain 2', dependencies: ['c1'], requiredSkills: ['sim'], sim: {ms: 200}},
				{id: 'c3', title: 'chain 3', dependencies: ['c2'], requiredSkills: ['sim'], sim: {ms: 200}},
				{
					id: 'bad',
					title: 'fails',
					maxRetries: 1,
					requiredSkills: ['sim'],
					sim: {ms: 100, exit: 1},
				},
				{
					id: 'after-bad',
					title: 'needs bad',
					dependencies: ['bad'],
					requiredSkills: ['sim'],
					sim: {ms: 100},
				},
				{
					id: 'hang',
					title: 'hangs',
					estimatedMinutes: 1,
					maxRetries: 0,
					requiredSkills: ['sim'],
					sim: {hang: true},
				},
				{
					id: 'stubborn',
					title: 'ignores SIGTERM',
					estimatedMinutes: 1,
					maxRetries: 0,
					requiredSkills: ['sim'],
					sim: {hang: true, ignoreSigterm: true},
				},
				{id: 'shell', title, requiredSkills: ['echo']},
			],
			{
				...fast,
				agents: [
					{profile: 'simulated', count: 3, skills: ['sim']},
					{
						name: 'echo',
						command: process.execPath,
						args: ['-e', 'console.log("title:" + process.argv[1])', '{title}'],
						skills: ['echo'],
					},
				],
			},
		);
		const run = start(cwd);
		expect(await run.exited).toBe(1);
		const tasks = stored(cwd);
		for (const id of ['ok1', 'c1', 'c2', 'c3', 'shell'])
			expect(tasks.get(id)?.status, id).toBe('completed');
		// retryCount is the retries spent: one, and then the second failure was the last.
		expect(tasks.get('bad')).toMatchObject({status: 'failed', retryCount: 1, failureType: 'error'});
		expect(tasks.get('bad')?.attempts).toHaveLength(2);
		expect(tasks.get('bad')?.lastError).toContain('Error: tests failed (simulated)');
		expect(tasks.get('after-bad')).toMatchObject({status: 'pending', attempts: []});
		expect(tasks.get('hang')).toMatchObject({status: 'failed', failureType: 'timeout'});
		expect(tasks.get('stubborn')).toMatchObject({status: 'failed', failureType: 'timeout'});
		// A chain runs in order: each link starts after the one before it completed.
		expect(Date.parse(tasks.get('c2')?.attempts[0]?.startedAt ?? '')).toBeGreaterThanOrEqual(
			Date.parse(tasks.get('c1')?.completedAt ?? ''),
		);
		expect(Date.parse(tasks.get('c3')?.attempts[0]?.startedAt ?? '')).toBeGreaterThanOrEqual(
			Date.parse(tasks.get('c2')?.completedAt ?? ''),
		);
		// The title reached the agent as text, and no shell ran it.
		expect(readFileSync(path.join(cwd, '.jetpack', 'logs', 'shell', '1.log'), 'utf8')).toContain(
			`title:${title}`,
		);
		expect(existsSync(path.join(cwd, 'pwned'))).toBe(false);
		expect(existsSync(path.join(cwd, 'pwned2'))).toBe(false);
		const events = run.lines.map((line) => line.event);
		for (const name of [
			'run.started',
			'task.claimed',
			'task.completed',
			'task.retry',
			'task.failed',
			'run.finished',
		])
			expect(events).toContain(name);
		const logFile = readdirSync(path.join(cwd, '.jetpack', 'logs')).find((name) =>
			name.startsWith('run-'),
		);
		expect(
			readFileSync(path.join(cwd, '.jetpack', 'logs', logFile ?? ''), 'utf8')
				.trim()
				.split('\n'),
		).toHaveLength(run.lines.length);
		expect(processesOf(cwd)).toEqual([]);
		expect(existsSync(path.join(cwd, '.jetpack', 'run.json'))).toBe(false);
	}, 60_000);

	it('stops on SIGINT: exit 130, tasks back to the queue with no retry spent, no process left', async () => {
		const cwd = await repoWith(
			[1, 2, 3].map((n) => ({id: `long${n}`, title: `long ${n}`, sim: {ms: 20_000}})),
			{...fast, agents: [{profile: 'simulated', count: 2}]},
		);
		const run = start(cwd);
		await run.until((lines) => lines.filter((line) => line.event === 'task.claimed').length === 2);
		// The claim comes just before the agent starts.
		await vi.waitFor(() => expect(processesOf(cwd).length).toBeGreaterThanOrEqual(2), {
			timeout: 20_000,
			interval: 50,
		});
		run.child.kill('SIGINT');
		expect(await run.exited).toBe(130);
		for (const task of stored(cwd).values())
			expect(task).toMatchObject({status: 'ready', retryCount: 0});
		expect(processesOf(cwd)).toEqual([]);
	}, 30_000);

	it('recovers the tasks of a run killed with SIGKILL, says so, and finishes them', async () => {
		const cwd = await repoWith(
			[1, 2, 3].map((n) => ({id: `t${n}`, title: `task ${n}`, sim: {ms: n === 3 ? 200 : 8000}})),
			{...fast, agents: [{profile: 'simulated', count: 2}]},
		);
		const first = start(cwd);
		await first.until(
			(lines) => lines.filter((line) => line.event === 'task.claimed').length === 2,
		);
		first.child.kill('SIGKILL');
		await first.exited;
		expect([...stored(cwd).values()].filter((task) => task.status === 'in_progress')).toHaveLength(
			2,
		);
		writeFileSync(
			path.join(cwd, '.beads', 'tasks.jsonl'),
			readFileSync(path.join(cwd, '.beads', 'tasks.jsonl'), 'utf8').replaceAll(
				'"ms":8000',
				'"ms":200',
			),
		);
		const second = await runCli(['--headless'], {cwd});
		expect(second.stdout).toMatch(
			/Recovered 2 tasks held by a run that is gone \(no retry spent\)/,
		);
		expect(second.code).toBe(0);
		for (const task of stored(cwd).values())
			expect(task).toMatchObject({status: 'completed', retryCount: 0});
	}, 60_000);

	it("exits 3 with the agent's own words when no agent can run, charging no retry", async () => {
		const cwd = await repoWith(
			[1, 2, 3, 4].map((n) => ({id: `t${n}`, title: `task ${n}`})),
			{
				...fast,
				infraFailuresToPause: 2,
				agents: [
					{name: 'ghost', command: 'no-such-agent-cli-here'},
					{
						name: 'nologin',
						// A stand-in for claude, in claude's words: its detector judges them.
						cli: 'claude',
						command: process.execPath,
						args: ['-e', 'console.error("Not logged in · Please run /login"); process.exit(1)'],
					},
				],
			},
		);
		const result = await runCli(['--headless'], {cwd});
		expect(result.code).toBe(3);
		expect(result.stdout).toContain('nologin is paused: Not logged in · Please run /login');
		expect(result.stdout).toContain(
			'ghost is paused: no-such-agent-cli-here: command not found on PATH',
		);
		for (const task of stored(cwd).values()) expect(task.retryCount).toBe(0);
		// Tasks whose agents never started did not stop midway: the summary says what happened.
		expect(result.stdout).not.toContain('stopped before it finished');
		expect(result.stdout).toMatch(/ never started: its agent could not run \(.+\); no retry spent/);
	}, 30_000);

	it('ends --json with a run.finished line carrying the counts and why each task is not done', async () => {
		const cwd = await repoWith(
			[
				{id: 'ok', title: 'fine', sim: {ms: 100}},
				{id: 'bad', title: 'fails', maxRetries: 0, sim: {ms: 100, exit: 1}},
				{id: 'next', title: 'needs bad', dependencies: ['bad'], sim: {ms: 100}},
				{id: 'rust', title: 'needs rust', requiredSkills: ['rust'], sim: {ms: 100}},
			],
			// Specialists only: no generalist to take the rust task.
			{...fast, agents: [{profile: 'simulated', count: 2, skills: ['sim']}]},
		);
		const run = start(cwd);
		expect(await run.exited).toBe(1);
		expect(run.lines.filter((line) => line.event === 'run.finished')).toHaveLength(1);
		const last = run.lines.at(-1);
		expect(last).toMatchObject({
			event: 'run.finished',
			level: 'info',
			reason: 'done',
			counts: {completed: 1, failed: 1, blocked: 0, notRun: 2, total: 4},
			failed: [{id: 'bad', failureType: 'error'}],
			blocked: [],
			notRun: [
				{id: 'next', why: 'never ran: it waits for bad (failed)'},
				{id: 'rust', why: 'never ran: no agent of this run has the skills it needs (rust)'},
			],
			paused: [],
		});
		expect(typeof last?.['time']).toBe('string');
		expect(JSON.stringify(last)).toContain('tests failed');
	}, 60_000);

	it('refuses a second live run on the same repository', async () => {
		const cwd = await repoWith([{id: 'slow', title: 'slow', sim: {ms: 20_000}}], {
			...fast,
			agents: [{profile: 'simulated', count: 1}],
		});
		const first = start(cwd);
		await first.until((lines) => lines.some((line) => line.event === 'task.claimed'));
		const status = JSON.parse((await runCli(['status', '--json'], {cwd})).stdout) as {
			run: {pid: number; agents: string[]} | null;
		};
		expect(status.run).toMatchObject({pid: first.child.pid, agents: ['simulated-1']});
		const second = await runCli(['--headless'], {cwd});
		expect(second.code).toBe(2);
		expect(second.stderr).toMatch(
			/^jetpack-tui: Another run \(pid \d+ on .+, started .+\) is working in this repository; stop it first/,
		);
		first.child.kill('SIGINT');
		expect(await first.exited).toBe(130);
	}, 30_000);

	// How soon each claim follows the completion before it is a figure of `npm run bench run`.
	it('goes on scheduling while an agent spews output as fast as it can', async () => {
		const cwd = await repoWith(
			[
				// Spews for longer than the test runs: everything below happens while it does.
				{id: 'spew', title: 'spew', priority: 'critical', sim: {ms: 600_000, output: 'spew'}},
				...[1, 2, 3, 4, 5].map((n) => ({id: `quick${n}`, title: `quick ${n}`, sim: {ms: 100}})),
			],
			{...fast, agents: [{profile: 'simulated', count: 2}]},
		);
		const run = start(cwd);
		await run.until((lines) =>
			lines.some((line) => line.event === 'task.completed' && line.task === 'quick5'),
		);
		const completed = run.lines
			.filter((line) => line.event === 'task.completed')
			.map((line) => String(line.task))
			.sort();
		expect(completed).toEqual(['quick1', 'quick2', 'quick3', 'quick4', 'quick5']);
		await vi.waitFor(
			() =>
				expect(
					readFileSync(path.join(cwd, '.jetpack', 'logs', 'spew', '1.log')).length,
				).toBeGreaterThan(100_000),
			{timeout: 30_000, interval: 100},
		);
		run.child.kill('SIGINT');
		expect(await run.exited).toBe(130);
		expect(stored(cwd).get('spew')).toMatchObject({status: 'ready', retryCount: 0});
	}, 120_000);
});
