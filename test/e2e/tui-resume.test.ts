/**
 * The TUI after its run has finished: a retry starts the run again, and the ETA on the way is
 * what the simulated agents take, not what the estimates say a person would.
 */
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {processesOf} from '../helpers/processes.js';
import {repoWith} from '../helpers/temp-repo.js';
import {startTui, type Tui} from '../helpers/tui-pty.js';

const started: Tui[] = [];
afterEach(() => {
	for (const tui of started.splice(0)) tui.kill();
});

describe('the TUI after the run finished', () => {
	it('runs a task retried after the end, showing the simulated agents’ ETA, and quits as a run', async () => {
		// Ten hours by its estimate; the simulated agent fails it in five seconds.
		const cwd = await repoWith(
			[
				{
					id: 'flaky',
					title: 'Work on flaky',
					estimatedMinutes: 600,
					maxRetries: 0,
					sim: {ms: 5000, exit: 1},
				},
			],
			{agents: [{profile: 'simulated', count: 1}], graceSeconds: 1, notifications: false},
		);
		const tui = startTui(cwd, [], {cols: 160, rows: 30});
		started.push(tui);
		await tui.waitFor((text) => text.includes('ETA <1m'), 'the simulated agent’s ETA', 15_000);
		await tui.waitFor((text) => text.includes('run finished'), 'the end of the run', 30_000);
		tui.type('2');
		await tui.waitFor((text) => text.includes('Work on flaky'), 'the tasks view');
		tui.type('r');
		await tui.waitFor((text) => text.includes('ETA <1m'), 'the run going again', 15_000);
		await tui.waitFor((text) => text.includes('run finished'), 'the second end', 30_000);
		tui.type('q');
		// The task failed again: the run's exit code says so.
		expect(await tui.exited).toBe(1);
		await vi.waitFor(
			() => {
				expect(processesOf(cwd)).toEqual([]);
			},
			{timeout: 10_000},
		);
		const logs = path.join(cwd, '.jetpack', 'logs');
		const runLog = readdirSync(logs).find((name) => name.startsWith('run-'));
		const events = readFileSync(path.join(logs, runLog ?? ''), 'utf8')
			.trim()
			.split('\n')
			.map((line) => (JSON.parse(line) as {event: string}).event);
		expect(events.filter((event) => event === 'task.claimed')).toHaveLength(2);
		expect(events).toContain('run.resumed');
		expect(events.filter((event) => event === 'run.finished')).toHaveLength(2);
	});
});
