/**
 * The real agent CLIs' ways, end to end (PRODUCT.md §13): the built CLI with `--headless`, real
 * processes in real ptys standing in for the CLIs — the simulated agent asking a question, a
 * script that reports its task through `$JETPACK_CLI` and lingers at a prompt.
 */
import {copyFileSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {fast, start, stored} from '../helpers/headless.js';
import {repoWith} from '../helpers/temp-repo.js';

describe('jetpack-tui --headless with agents that ask and report', () => {
	it('says an agent waits for input, and ends the attempt as needs_input with no retry spent', async () => {
		const cwd = await repoWith(
			[{id: 'asks', title: 'asks first', sim: {ms: 100, ask: 'Proceed? [y/N]'}}],
			{
				...fast,
				agents: [{profile: 'simulated', count: 1}],
				inputWaitSeconds: 0.5,
				inputWaitMinutes: 0.03,
				infraFailuresToPause: 1,
			},
		);
		const run = start(cwd);
		await run.until((lines) => lines.some((line) => line.event === 'agent.waiting'));
		expect(run.lines.find((line) => line.event === 'agent.waiting')).toMatchObject({
			task: 'asks',
			agent: 'simulated-1',
			question: 'Proceed? [y/N]',
		});
		// The profile pauses (one unanswered question is enough here) and the run ends as all-paused.
		expect(await run.exited).toBe(3);
		const task = stored(cwd).get('asks');
		expect(task).toMatchObject({retryCount: 0, failureType: 'needs_input'});
		expect(task?.lastError).toBe('waited too long for an answer to: Proceed? [y/N]');
	}, 60_000);

	it('completes a task the agent reports through $JETPACK_CLI without PATH, and frees the slot of an agent that lingers', async () => {
		// `env -i`-like: no PATH at all; the report must work from JETPACK_CLI alone. Then the
		// "CLI" sits at its prompt for ten minutes, as an interactive one does.
		const script = `"$JETPACK_CLI" task done "$JETPACK_TASK_ID" >/dev/null && echo reported && read -r line`;
		const cwd = await repoWith(
			[
				{id: 'r1', title: 'reports itself'},
				{id: 'r2', title: 'after it', dependencies: ['r1']},
			],
			{
				...fast,
				stallMinutes: 10,
				timeoutFactor: 10,
				agents: [{name: 'talker', command: '/bin/sh', args: ['-c', `PATH= ; ${script}`], count: 1}],
			},
		);
		const run = start(cwd);
		expect(await run.exited).toBe(0);
		const completed = run.lines
			.filter((line) => line.event === 'task.completed')
			.map((line) => line.task);
		expect(completed).toEqual(['r1', 'r2']);
		expect(run.lines.some((line) => line.event === 'task.released')).toBe(false);
		expect(stored(cwd).get('r2')?.status).toBe('completed');
		expect(readFileSync(path.join(cwd, '.jetpack', 'logs', 'r1', '1.log'), 'utf8')).toContain(
			'reported',
		);
	}, 60_000);
});

const fixtures = path.join(import.meta.dirname, '..', 'fixtures', 'clis');

/**
 * A run of the built-in `claude` profile with a stand-in `claude` on PATH that replays what the
 * real one printed (test/fixtures/clis/claude/), one capture per task.
 */
async function replayRun(
	cases: Record<string, {fixture: string; exit?: number}>,
	config: object = {},
) {
	const cwd = await repoWith(
		Object.keys(cases).map((id) => ({id, title: `task ${id}`, maxRetries: 0})),
		{...fast, agents: [{profile: 'claude', count: 2}], ...config},
	);
	const replays = path.join(cwd, 'replays');
	mkdirSync(replays);
	for (const [id, {fixture, exit = 0}] of Object.entries(cases)) {
		copyFileSync(path.join(fixtures, 'claude', fixture), path.join(replays, `${id}.jsonl`));
		writeFileSync(path.join(replays, `${id}.exit`), String(exit));
	}

	const run = start(cwd, [], {
		PATH: `${path.join(fixtures, 'bin')}${path.delimiter}${process.env['PATH'] ?? ''}`,
		JETPACK_REPLAY_DIR: replays,
	});
	return {cwd, run};
}

describe('jetpack-tui --headless with the claude profile (replayed real output)', () => {
	it('completes only what claude itself reported done, and records what it spent', async () => {
		const {cwd, run} = await replayRun({
			ok: {fixture: 'ok.jsonl'},
			ctrlc: {fixture: 'sigint.jsonl'},
			silent: {fixture: 'ok.jsonl'},
		});
		// `silent`: the same run cut before its `result`, exit 0 all the same.
		const replay = path.join(cwd, 'replays', 'silent.jsonl');
		const lines = readFileSync(replay, 'utf8').trim().split('\n');
		writeFileSync(
			replay,
			`${lines.filter((line) => !line.includes('"type":"result"')).join('\n')}\n`,
		);
		expect(await run.exited).toBe(1);
		const tasks = stored(cwd);
		expect(tasks.get('ok')?.status).toBe('completed');
		expect(tasks.get('ctrlc')).toMatchObject({status: 'failed', failureType: 'error'});
		expect(tasks.get('silent')).toMatchObject({
			status: 'failed',
			failureType: 'error',
			lastError: 'ended without a result',
		});
		const attempt = tasks.get('ok')?.attempts[0] as {
			usage?: {costUsd?: number; sessionId?: string};
		};
		expect(attempt.usage?.costUsd).toBeGreaterThan(0);
		expect(attempt.usage?.sessionId).toBe('d6f32d22-3e3f-4dfa-832a-c38f8b26bb5f');
		// The raw events beside a readable copy.
		const logs = path.join(cwd, '.jetpack', 'logs', 'ok');
		expect(readFileSync(path.join(logs, '1.events.jsonl'), 'utf8')).toContain('"type":"result"');
		const readable = readFileSync(path.join(logs, '1.log'), 'utf8');
		expect(readable).toContain('▸ Bash echo hello > hello.txt');
		expect(readable).toContain('✓ done');
		expect(readable).not.toContain('"type"');
	}, 60_000);

	it('pauses the profile on a usage limit and spends no retry', async () => {
		const {cwd, run} = await replayRun(
			{limited: {fixture: 'usage-limit.jsonl', exit: 1}, later: {fixture: 'ok.jsonl'}},
			{agents: [{profile: 'claude', count: 1}]},
		);
		await run.until((lines) => lines.some((line) => line.event === 'profile.paused'));
		const paused = run.lines.find((line) => line.event === 'profile.paused');
		expect(paused).toMatchObject({profile: 'claude', kind: 'limit'});
		run.child.kill('SIGINT');
		await run.exited;
		expect(stored(cwd).get('limited')).toMatchObject({retryCount: 0, failureType: 'rate_limited'});
	}, 60_000);
});
