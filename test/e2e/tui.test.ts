/**
 * The TUI end to end: the built CLI in a real pty, simulated agents in their own ptys drawing
 * full-screen frames, the screen read back through a real terminal emulator.
 */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {processesOf} from '../helpers/processes.js';
import {repoWith} from '../helpers/temp-repo.js';
import {occurrences, startTui, type Tui} from '../helpers/tui-pty.js';

const started: Tui[] = [];
afterEach(() => {
	for (const tui of started.splice(0)) tui.kill();
});

const task = (id: string, sim: object) => ({id, title: `Work on ${id}`, sim});
const simulated = (count: number) => ({
	agents: [{profile: 'simulated', count}],
	graceSeconds: 1,
	notifications: false,
});

/** Control sequences as text: what shows when a pane passes escapes through undecoded. */
const leaked = /\u001B|\[\d+(;\d+)*[mHJK]|\[\?\d+[hl]/;

describe('the TUI in a real terminal', () => {
	it('tiles agents with each screen drawn once, zooms, and quits putting the tasks back', async () => {
		const cwd = await repoWith(
			['t1', 't2', 't3'].map((id) => task(id, {ms: 60_000, output: 'tui'})),
			simulated(3),
		);
		const tui = startTui(cwd, [], {cols: 150, rows: 40});
		started.push(tui);
		const titles = ['simulated agent t1', 'simulated agent t2', 'simulated agent t3'];
		const tiled = await tui.waitFor(
			(text) => titles.every((title) => occurrences(text, title) === 1),
			'each agent title exactly once',
		);
		expect(tiled).not.toMatch(leaked);
		for (const agent of ['simulated-1', 'simulated-2', 'simulated-3'])
			expect(occurrences(tiled, agent)).toBe(1);
		expect(tiled).toContain('agents 3/3');

		tui.type('z');
		const zoomed = await tui.waitFor(
			(text) => occurrences(text, 'simulated agent') === 1,
			'one zoomed pane',
		);
		expect(zoomed).not.toMatch(leaked);
		tui.type('z');
		await tui.waitFor(
			(text) => titles.every((title) => occurrences(text, title) === 1),
			'the three panes again',
		);
		// Away to the tasks view and back: the panes show their agents' screens again.
		tui.type('2');
		await tui.waitFor((text) => !text.includes('simulated agent'), 'the tasks view');
		tui.type('1');
		await tui.waitFor(
			(text) => titles.every((title) => occurrences(text, title) === 1),
			'the panes drawn again after the tasks view',
		);

		tui.type('q');
		await tui.waitFor((text) => text.includes('Quit?'), 'the quit question');
		tui.type('y');
		expect(await tui.exited).toBe(130);
		await vi.waitFor(
			() => {
				expect(processesOf(cwd)).toEqual([]);
			},
			{timeout: 10_000},
		);
		const stored = readFileSync(path.join(cwd, '.beads', 'tasks.jsonl'), 'utf8')
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line) as {status: string; retryCount: number});
		expect(stored.map((entry) => entry.status)).toEqual(['ready', 'ready', 'ready']);
		expect(stored.every((entry) => entry.retryCount === 0)).toBe(true);
	});

	it('stops the agents on SIGTERM, gives the terminal back and leaves nothing running', async () => {
		const cwd = await repoWith([task('t1', {ms: 60_000, output: 'tui'})], simulated(1));
		const tui = startTui(cwd, [], {cols: 100, rows: 30});
		started.push(tui);
		await tui.waitFor((text) => text.includes('simulated agent t1'), 'the agent at work');
		process.kill(tui.pid, 'SIGTERM');
		expect(await tui.exited).toBe(130);
		// The alternate screen is left, after which the summary is printed on the normal one.
		const raw = tui.raw();
		expect(raw.lastIndexOf('\u001B[?1049l')).toBeGreaterThan(raw.lastIndexOf('\u001B[?1049h'));
		expect(raw.slice(raw.lastIndexOf('\u001B[?1049l'))).toContain('Run ended (interrupted)');
		expect(raw.slice(raw.lastIndexOf('\u001B[?1049l'))).toContain(
			't1 stopped before it finished (attempt 1); back in the queue',
		);
		await vi.waitFor(
			() => {
				expect(processesOf(cwd)).toEqual([]);
			},
			{timeout: 10_000},
		);
	});

	it('quits at once on q before the run has started anything', async () => {
		const cwd = await repoWith([task('t1', {ms: 60_000})], simulated(1));
		const tui = startTui(cwd, [], {cols: 100, rows: 30});
		started.push(tui);
		// As soon as anything is drawn: the orchestrator may still be reading the store.
		await tui.waitFor((text) => text.includes('agents'), 'the status bar', 15_000);
		tui.type('q');
		tui.type('y');
		const code = await tui.exited;
		expect([0, 1, 130]).toContain(code);
		await vi.waitFor(
			() => {
				expect(processesOf(cwd)).toEqual([]);
			},
			{timeout: 10_000},
		);
	});

	it('says to use --headless when there is no terminal', async () => {
		const cwd = await repoWith([task('t1', {ms: 10})], simulated(1));
		const result = await runCli([], {cwd});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('--headless');
		expect(result.stdout).toBe('');
		// Nothing ran.
		expect(readFileSync(path.join(cwd, '.beads', 'tasks.jsonl'), 'utf8')).toContain('"t1"');
	});
});
