/**
 * The real agent CLIs' ways, end to end (PRODUCT.md §13): the built CLI with `--headless`, real
 * processes in real ptys standing in for the CLIs — the simulated agent asking a question, a
 * script that reports its task through `$JETPACK_CLI` and lingers at a prompt.
 */
import {readFileSync} from 'node:fs';
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
