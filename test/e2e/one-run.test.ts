/**
 * One run per repository, always (PRODUCT.md §9), and nothing it did lost: the built CLI with
 * `--headless`, real simulated agents, real signals (SIGSTOP, SIGCONT, SIGHUP).
 */
import {execFileSync} from 'node:child_process';
import {mkdirSync, readFileSync, writeFileSync, existsSync, readdirSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {fast, start, stored} from '../helpers/headless.js';
import {processesOf} from '../helpers/processes.js';
import {repoWith} from '../helpers/temp-repo.js';

const runFile = (cwd: string) => path.join(cwd, '.jetpack', 'run.json');
const long = (n: number) => ({id: `t${n}`, title: `task ${n}`, sim: {ms: 60_000}});

describe('one run per repository', () => {
	it('takes a stopped run for a live one, however stale its heartbeat, and never claims beside it', async () => {
		const cwd = await repoWith([1, 2, 3, 4].map(long), {
			...fast,
			agents: [{profile: 'simulated', count: 2}],
		});
		const first = start(cwd);
		await first.until((lines) => lines.filter((l) => l.event === 'task.claimed').length === 2);
		first.child.kill('SIGSTOP');
		try {
			// What a heartbeat looks like after the ~17 s a stopped process misses (or a full disk).
			const info = JSON.parse(readFileSync(runFile(cwd), 'utf8')) as {heartbeatAt: string};
			info.heartbeatAt = new Date(Date.now() - 3_600_000).toISOString();
			writeFileSync(runFile(cwd), JSON.stringify(info));
			const status = await runCli(['status', '--json'], {cwd});
			expect(JSON.parse(status.stdout)).toMatchObject({run: {pid: first.child.pid}});
			const second = await runCli(['--headless'], {cwd});
			expect(second.code).toBe(2);
			expect(second.stderr).toMatch(
				new RegExp(`^jetpack-tui: Another run \\(pid ${first.child.pid} on [^)]+\\) is working`),
			);
			const held = [...stored(cwd).values()].filter((task) => task.status === 'in_progress');
			expect(held).toHaveLength(2);
		} finally {
			first.child.kill('SIGCONT');
		}

		first.child.kill('SIGINT');
		expect(await first.exited).toBe(130);
		expect(processesOf(cwd)).toEqual([]);
	}, 60_000);

	it('stops claiming at once when another run has taken its run file, and lets its agents finish', async () => {
		const cwd = await repoWith(
			[1, 2, 3, 4].map((n) => ({id: `t${n}`, title: `task ${n}`, sim: {ms: 1500}})),
			{...fast, graceSeconds: 20, agents: [{profile: 'simulated', count: 2}]},
		);
		const first = start(cwd);
		await first.until((lines) => lines.filter((l) => l.event === 'task.claimed').length === 2);
		// Another run holds it now (a person removed the file and started one, say): a live process here.
		const now = new Date().toISOString();
		writeFileSync(
			runFile(cwd),
			JSON.stringify({
				runId: 'intruder',
				pid: process.pid,
				host: os.hostname(),
				startedAt: now,
				heartbeatAt: now,
			}),
		);
		await first.exited;
		const claimed = first.lines.filter((line) => line.event === 'task.claimed');
		expect(claimed).toHaveLength(2);
		expect(first.lines.at(-1)).toMatchObject({event: 'run.finished', reason: 'lost-run'});
		const tasks = stored(cwd);
		for (const task of claimed) expect(tasks.get(task.task ?? '')?.status).toBe('completed');
		for (const task of [...tasks.values()].filter((t) => !claimed.some((c) => c.task === t.id)))
			expect(task).toMatchObject({status: 'ready', attempts: []});
		// It leaves the other run's file alone.
		expect(JSON.parse(readFileSync(runFile(cwd), 'utf8'))).toMatchObject({runId: 'intruder'});
		expect(processesOf(cwd)).toEqual([]);
	}, 60_000);

	it('handles SIGHUP (an SSH session gone) like SIGTERM: agents stopped, tasks back, run file gone', async () => {
		const cwd = await repoWith([1, 2, 3].map(long), {
			...fast,
			agents: [{profile: 'simulated', count: 2}],
		});
		const run = start(cwd);
		await run.until((lines) => lines.filter((l) => l.event === 'task.claimed').length === 2);
		run.child.kill('SIGHUP');
		expect(await run.exited).toBe(130);
		for (const task of stored(cwd).values())
			expect(task).toMatchObject({status: 'ready', retryCount: 0});
		expect(existsSync(runFile(cwd))).toBe(false);
		expect(processesOf(cwd)).toEqual([]);
	}, 60_000);

	it('records first the results an earlier run could not write, and runs nothing twice', async () => {
		const startedAt = '2026-11-29T09:00:00.000Z';
		const cwd = await repoWith(
			[
				{
					id: 'done-before',
					title: 'finished while the disk was full',
					status: 'in_progress',
					claimedBy: {runId: 'gone1', pid: 999_999_999, host: os.hostname()},
					assignedAgent: 'simulated-1',
					attempts: [{n: 1, agent: 'simulated-1', startedAt}],
					sim: {ms: 100},
				},
				{id: 'other', title: 'other', sim: {ms: 100}},
			],
			{...fast, agents: [{profile: 'simulated', count: 1}]},
		);
		mkdirSync(path.join(cwd, '.jetpack', 'unrecorded'), {recursive: true});
		writeFileSync(
			path.join(cwd, '.jetpack', 'unrecorded', 'gone1.json'),
			JSON.stringify([
				{
					taskId: 'done-before',
					attempt: 1,
					runId: 'gone1',
					outcome: 'completed',
					message: 'exit 0',
					exit: {exitCode: 0, signal: null},
					endedAt: '2026-11-29T09:05:00.000Z',
				},
			]),
		);
		const result = await runCli(['--headless'], {cwd});
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('Recorded 1 attempt result an earlier run could not write.');
		const task = stored(cwd).get('done-before');
		expect(task).toMatchObject({status: 'completed', completedAt: '2026-11-29T09:05:00.000Z'});
		expect(task?.attempts).toHaveLength(1);
		expect(readdirSync(path.join(cwd, '.jetpack', 'unrecorded'))).toEqual([]);
	}, 60_000);

	it('leaves a kept results file that is not valid in place, says so once, and records the valid ones', async () => {
		const startedAt = '2026-11-29T09:00:00.000Z';
		const held = (id: string, runId: string) => ({
			id,
			title: id,
			status: 'in_progress',
			claimedBy: {runId, pid: 999_999_999, host: os.hostname()},
			assignedAgent: 'simulated-1',
			attempts: [{n: 1, agent: 'simulated-1', startedAt}],
			sim: {ms: 100},
		});
		const cwd = await repoWith([held('good', 'gone1'), held('bad-date', 'gone2')], {
			...fast,
			agents: [{profile: 'simulated', count: 1}],
		});
		const unrecorded = path.join(cwd, '.jetpack', 'unrecorded');
		mkdirSync(unrecorded, {recursive: true});
		const result = (taskId: string, runId: string, endedAt: string) => ({
			taskId,
			attempt: 1,
			runId,
			outcome: 'completed',
			message: 'exit 0',
			exit: {exitCode: 0, signal: null},
			endedAt,
		});
		writeFileSync(
			path.join(unrecorded, 'gone1.json'),
			JSON.stringify([result('good', 'gone1', '2026-11-29T09:05:00.000Z')]),
		);
		writeFileSync(
			path.join(unrecorded, 'gone2.json'),
			JSON.stringify([result('bad-date', 'gone2', 'not a date')]),
		);
		writeFileSync(path.join(unrecorded, 'gone3.json'), '[{"taskId": "cut sho');
		const run = await runCli(['--headless'], {cwd});
		expect(run.stderr).not.toMatch(/Invalid time value|internal error/);
		expect(run.code).toBe(0);
		const said = (file: string) =>
			run.stdout.split('\n').filter((line) => line.includes(`.jetpack/unrecorded/${file}`));
		expect(said('gone2.json')).toHaveLength(1);
		expect(said('gone2.json')[0]).toMatch(/endedAt is not a valid date.*move it away/);
		expect(said('gone3.json')).toHaveLength(1);
		expect(said('gone3.json')[0]).toMatch(/not valid JSON.*move it away/);
		expect(stored(cwd).get('good')).toMatchObject({
			status: 'completed',
			completedAt: '2026-11-29T09:05:00.000Z',
		});
		// Its result unread, the task of the gone run was run again.
		expect(stored(cwd).get('bad-date')?.status).toBe('completed');
		expect(readdirSync(unrecorded).sort()).toEqual(['gone2.json', 'gone3.json']);
	}, 60_000);

	it('keeps its run state out of git status from the first run, init or not', async () => {
		const cwd = await repoWith([{id: 't1', title: 'task 1', sim: {ms: 50}}], {
			...fast,
			agents: [{profile: 'simulated', count: 1}],
		});
		execFileSync('git', ['init', '-q'], {cwd});
		expect((await runCli(['--headless'], {cwd})).code).toBe(0);
		const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], {
			cwd,
			encoding: 'utf8',
		});
		expect(status).not.toMatch(/\.jetpack\/(logs|run\.json|unrecorded)/);
		expect(status).toMatch(/\.jetpack\/config\.json/);
	}, 60_000);
});
