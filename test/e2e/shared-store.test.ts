/**
 * Several machines on one PostgreSQL store (PRODUCT.md §15), as a user runs them: the built CLI,
 * real simulated agents, three orchestrator processes in three folders on one database, one of
 * them SIGKILLed mid-run; import, export, status and the one-line errors of a bad URL.
 */
import {randomUUID} from 'node:crypto';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, inject, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {fast, start, type Line} from '../helpers/headless.js';
import {processesOf} from '../helpers/processes.js';
import {repoWith, tempRepo} from '../helpers/temp-repo.js';
import {until} from '../helpers/until.js';

const projectUrl = () => `${inject('pgUrl')}?project=e2e-${randomUUID().slice(0, 8)}`;

/** Tasks as a jetpack store holds them (so `import` takes them as they are). */
function task(id: string, ms: number, dependencies: string[] = []) {
	return {id, title: `task ${id}`, status: 'pending', dependencies, sim: {ms}};
}

interface Exported {
	id: string;
	status: string;
	retryCount: number;
	attempts: Array<{n: number; failureType?: string; endedAt?: string}>;
}

async function exported(cwd: string, url: string): Promise<Map<string, Exported>> {
	const result = await runCli(['--store', url, 'export'], {cwd});
	expect(result.code).toBe(0);
	return new Map(
		result.stdout
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line) as Exported)
			.map((entry) => [entry.id, entry]),
	);
}

describe('a shared PostgreSQL store', () => {
	it('lets three runs in three folders share one graph; one SIGKILLed mid-run loses nothing', async () => {
		const url = projectUrl();
		const config = {
			...fast,
			agents: [{profile: 'simulated', count: 2}],
			workspaces: 'shared',
			leaseSeconds: 1,
		};
		const dirs = await Promise.all([0, 1, 2].map(async () => repoWith([], config)));
		const [victimDir = '', ...others] = dirs;
		// Long enough that the victim is mid-task when it dies; a chain behind the first tasks.
		const tasks = [
			...Array.from({length: 6}, (_, i) => task(`a${i}`, 1500)),
			...Array.from({length: 6}, (_, i) => task(`b${i}`, 200, [`a${i}`])),
		];
		const seed = path.join(victimDir, 'seed.jsonl');
		writeFileSync(seed, tasks.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
		const imported = await runCli(['--store', url, 'import', seed], {cwd: victimDir});
		expect(imported.code).toBe(0);

		const env = {JETPACK_STORE: url};
		const runs = dirs.map((dir) => start(dir, [], env));
		const [victim, ...survivors] = runs;
		if (victim === undefined) throw new Error('no victim');
		await victim.until((lines) => lines.some((line) => line.event === 'task.claimed'));
		const lost = victim.lines.find((line) => line.event === 'task.claimed')?.task ?? '';
		victim.child.kill('SIGKILL');
		const codes = await Promise.all(survivors.map(async (run) => run.exited));
		expect(codes, survivors.map((run) => run.stderr()).join('\n')).toEqual([0, 0]);

		const store = await exported(others[0] ?? '', url);
		expect([...store.values()].map((entry) => entry.status)).toEqual(
			Array.from({length: 12}, () => 'completed'),
		);
		// The victim's attempt was closed as killed, no retry spent; another run did it again.
		const taken = store.get(lost);
		expect(taken?.attempts[0]?.failureType).toBe('killed');
		expect(taken?.retryCount).toBe(0);
		expect(taken?.attempts).toHaveLength(2);
		const events: Line[] = survivors.flatMap((run) => run.lines);
		expect(
			events.some((line) => line.event === 'run.warning' && String(line['message']).includes(lost)),
		).toBe(true);
		// Every task ran to completion exactly once outside the victim.
		const completed = events.filter((line) => line.event === 'task.completed').map((l) => l.task);
		expect(completed.sort()).toEqual(
			[...store.keys()]
				.filter((id) => !victim.lines.some((l) => l.event === 'task.completed' && l.task === id))
				.sort(),
		);
		// Events name their run and host.
		expect(
			events.every((line) => typeof line['run'] === 'string' && typeof line['host'] === 'string'),
		).toBe(true);
		// The victim's agents were stopped by whoever took its tasks; no run is left registered.
		await until(() => processesOf(victimDir).length === 0, "the killed run's agents to be stopped");
		for (const dir of others) expect(processesOf(dir)).toEqual([]);
		const status = await runCli(['--store', url, 'status', '--json'], {cwd: others[0]});
		expect(JSON.parse(status.stdout)).toMatchObject({runs: [], run: null});
	}, 60_000);

	it('imports a file store and exports it back byte for byte; status shows a live run with host and agents', async () => {
		const url = projectUrl();
		const dir = await repoWith(
			[task('x1', 60_000), task('x2', 60_000, ['x1']), {...task('x3', 5), extra: {kept: true}}],
			{...fast, agents: [{profile: 'simulated', count: 1}], workspaces: 'shared'},
		);
		const fileExport = await runCli(['export'], {cwd: dir});
		const imported = await runCli(['--store', url, 'import', '.beads/tasks.jsonl'], {cwd: dir});
		expect(imported.stdout).toMatch(/^Imported 3 new tasks .* into postgres:\/\/jetpack:\*\*\*@/);
		expect(imported.stdout).not.toContain(new URL(inject('pgUrl')).password);
		const pgExport = await runCli(['--store', url, 'export'], {cwd: dir});
		expect(pgExport.stdout).toBe(fileExport.stdout);

		const run = start(dir, [], {JETPACK_STORE: url});
		await run.until((lines) => lines.some((line) => line.event === 'task.claimed'));
		const status = JSON.parse(
			(await runCli(['status', '--json'], {cwd: dir, env: {JETPACK_STORE: url}})).stdout,
		) as {
			runs: Array<{pid: number; host: string; agents: string[]; folder: string}>;
		};
		expect(status.runs).toEqual([
			expect.objectContaining({pid: run.child.pid, agents: ['simulated-1'], folder: dir}),
		]);
		run.child.kill('SIGINT');
		expect(await run.exited).toBe(130);
		const after = await exported(dir, url);
		expect(after.get('x1')?.status).toBe('ready');
	}, 60_000);

	it('says a wrong password, a bad URL or a server that is not there in one line, exit 2', async () => {
		const cwd = await tempRepo();
		const wrong = new URL(inject('pgUrl'));
		wrong.password = 'wrong-password';
		for (const [url, message] of [
			[wrong.toString(), /refused the login/],
			['postgres://jetpack@127.0.0.1:1/postgres', /cannot reach PostgreSQL/],
			['mysql://jetpack@host/db', /is not a PostgreSQL URL/],
		] as const) {
			// A run refuses to start the same way as any command (one is enough for each cause but the first).
			for (const args of message.source.includes('login')
				? [['status'], ['--headless']]
				: [['status']]) {
				const result = await runCli(['--store', url, ...args], {cwd});
				expect(result.code).toBe(2);
				expect(result.stderr).toMatch(message);
				expect(result.stderr.trim().split('\n')).toHaveLength(1);
				expect(result.stderr).not.toContain('wrong-password');
			}
		}
	});
});
