/**
 * A run on a disk that fills up (issue 11, PRODUCT.md §9): results that cannot be written are
 * kept and written once, when space comes back or by the next run; the run stays the live run.
 * A real tmpfs, really full; the built CLI; real simulated agents.
 */
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {tempJournalDir} from '../../source/adapters/result-journal.js';
import {runCli} from '../helpers/cli.js';
import {fast, start, stored} from '../helpers/headless.js';
import {processesOf} from '../helpers/processes.js';
import {fillDisk, freeDisk, smallDisk} from '../helpers/small-disk.js';
import {until} from '../helpers/until.js';

/** A repository on a disk of its own, with tasks that run long enough to fill the disk under. */
function repoOnSmallDisk(): string {
	const cwd = smallDisk(2048);
	mkdirSync(path.join(cwd, '.beads'));
	mkdirSync(path.join(cwd, '.jetpack'));
	writeFileSync(
		path.join(cwd, '.beads', 'tasks.jsonl'),
		[1, 2, 3, 4]
			.map((n) => `${JSON.stringify({id: `t${n}`, title: `task ${n}`, sim: {ms: 2500}})}\n`)
			.join(''),
	);
	writeFileSync(
		path.join(cwd, '.jetpack', 'config.json'),
		JSON.stringify({...fast, graceSeconds: 1, agents: [{profile: 'simulated', count: 2}]}),
	);
	return cwd;
}

/** Both agents are at work: a claim is told before its agent starts. */
async function agentsWorking(cwd: string): Promise<void> {
	await until(() => processesOf(cwd).length === 2, 'both agents to start');
}

async function agentsFinished(cwd: string): Promise<void> {
	await until(() => processesOf(cwd).length === 0, 'both agents to finish');
}

describe('a run on a full disk', () => {
	it('keeps finished results until space comes back, writes each once, and stays the live run meanwhile', async () => {
		const cwd = repoOnSmallDisk();
		const run = start(cwd);
		await run.until((lines) => lines.filter((l) => l.event === 'task.claimed').length === 2);
		await agentsWorking(cwd);
		const filler = fillDisk(cwd);
		// From here on no heartbeat can be written.
		const runFile = readFileSync(path.join(cwd, '.jetpack', 'run.json'), 'utf8');
		// Both agents finish while nothing can be written.
		await agentsFinished(cwd);
		// No heartbeat can be written now: once it is stale, only the process tells the run is live.
		const heartbeat = Date.parse((JSON.parse(runFile) as {heartbeatAt: string}).heartbeatAt);
		await until(() => Date.now() - heartbeat > 16_000, 'the heartbeat to go stale');
		const status = await runCli(['status', '--json'], {cwd});
		expect(JSON.parse(status.stdout)).toMatchObject({run: {pid: run.child.pid}});
		const second = await runCli(['--headless'], {cwd});
		expect(second.code).toBe(2);
		expect(second.stderr).toContain('Another run');
		// Still the first run's file, whole: the second neither moved it aside nor left one of its own.
		const {runId} = JSON.parse(runFile) as {runId: string};
		expect(JSON.parse(readFileSync(path.join(cwd, '.jetpack', 'run.json'), 'utf8'))).toMatchObject({
			runId,
			pid: run.child.pid,
		});
		freeDisk(filler);
		expect(await run.exited).toBe(0);
		const tasks = stored(cwd);
		for (const task of tasks.values()) {
			expect(task).toMatchObject({status: 'completed'});
			expect(task.attempts).toHaveLength(1);
		}

		const told = run.lines.map((line) => `${line.event} ${line.task ?? ''}`);
		for (const id of ['t1', 't2', 't3', 't4'])
			expect(told.filter((line) => line === `task.completed ${id}`)).toHaveLength(1);
		expect(told.filter((line) => line.startsWith('task.released'))).toEqual([]);
	}, 90_000);

	it('keeps the results through a shutdown while the disk is full, for the next run to record', async () => {
		const cwd = repoOnSmallDisk();
		const run = start(cwd);
		await run.until((lines) => lines.filter((l) => l.event === 'task.claimed').length === 2);
		const claimed = run.lines.filter((l) => l.event === 'task.claimed').map((l) => l.task);
		await agentsWorking(cwd);
		const filler = fillDisk(cwd);
		await agentsFinished(cwd);
		run.child.kill('SIGINT');
		expect(await run.exited).toBe(130);
		expect(run.stderr() + JSON.stringify(run.lines)).toContain('which the next run records first');
		freeDisk(filler);
		// Its own disk full, the run kept them in the system's temp dir; the folder goes once recorded.
		const kept = tempJournalDir(cwd);
		expect(readdirSync(kept)).toHaveLength(1);
		const next = await runCli(['--headless'], {cwd});
		expect(next.stdout).toContain('Recorded 2 attempt results an earlier run could not write.');
		expect(existsSync(kept)).toBe(false);
		expect(next.code).toBe(0);
		const tasks = stored(cwd);
		for (const id of claimed) {
			expect(tasks.get(id ?? '')).toMatchObject({status: 'completed'});
			expect(tasks.get(id ?? '')?.attempts).toHaveLength(1);
		}
	}, 90_000);
});
