import {cleanup, render} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import type {Level, RunEvent, StampedEvent} from '../../source/core/orchestrator.js';
import {LogView} from '../../source/ui/components/log-view.js';
import type {ViewProps} from '../../source/ui/components/view-props.js';
import {KeyRouterProvider} from '../../source/ui/hooks/use-latest-input.js';
import {
	EventLog,
	following,
	logWindow,
	matching,
	noFilter,
	parseQuery,
	scrollBy,
} from '../../source/ui/event-log.js';
import {fakeBoard, FakeRun} from '../helpers/fake-run.js';
import {frameWith, keys, plain, press} from '../helpers/ink.js';

afterEach(() => {
	cleanup();
});

const start = Date.parse('2026-03-01T10:00:00Z');
const at = (second: number) => new Date(start + second * 1000);

const claimed = (task: string, agent: string): RunEvent => ({
	type: 'task.claimed',
	task,
	agent,
	attempt: 1,
	title: `Title of ${task}`,
});
const failed = (task: string, agent: string): RunEvent => ({
	type: 'task.failed',
	task,
	agent,
	failureType: 'error',
	message: 'exit 1',
});
const warning = (message: string): RunEvent => ({type: 'run.warning', message});

interface Setup {
	readonly rendered: ReturnType<typeof render>;
	readonly captured: boolean[];
}

/** The view as the app holds it: every key through the app's one router. */
async function show(run: FakeRun, height = 10): Promise<Setup> {
	const {board} = await fakeBoard();
	const captured: boolean[] = [];
	const props: ViewProps = {
		run,
		board,
		width: 100,
		height,
		keysActive: true,
		setCaptured: (value) => captured.push(value),
		flash: () => undefined,
	};
	return {
		rendered: render(
			<KeyRouterProvider>
				<LogView {...props} />
			</KeyRouterProvider>,
		),
		captured,
	};
}

/** The event lines of a frame (the header and any prompt left out). */
const eventLines = (frame: string) =>
	frame.split('\n').filter((line) => /^\d\d:\d\d:\d\d /.test(line));

describe('LogView', () => {
	it('shows the events the run kept and those that come after', async () => {
		const run = new FakeRun();
		run.emit(claimed('bd-a', 'sim-1'), 'info', at(0));
		const {rendered} = await show(run);
		await frameWith(
			rendered,
			'10:00:00 info  bd-a       sim-1        claimed (attempt 1): Title of bd-a',
		);
		run.emit(failed('bd-a', 'sim-1'), 'error', at(5));
		const frame = await frameWith(rendered, 'failed (error): exit 1');
		expect(frame).toContain('events 2/2');
		expect(frame).toContain('following');
	});

	it('shows the changes made from the TUI with the task they changed', async () => {
		const run = new FakeRun();
		const {rendered} = await show(run);
		run.recordChange('bd-a', 'blocked: design review');
		await frameWith(rendered, /info {2}bd-a {7}.*blocked: design review \(from the TUI\)/);
	});

	it('f narrows to warnings, then errors, then shows all again', async () => {
		const run = new FakeRun();
		run.emit(claimed('bd-a', 'sim-1'), 'info', at(0));
		run.emit(warning('slow disk'), 'warn', at(1));
		run.emit(failed('bd-a', 'sim-1'), 'error', at(2));
		const {rendered} = await show(run);
		await frameWith(rendered, 'events 3/3');
		await press(rendered, 'f');
		let frame = await frameWith(rendered, 'level ≥ warn');
		expect(eventLines(frame)).toHaveLength(2);
		expect(frame).not.toContain('claimed');
		await press(rendered, 'f');
		frame = await frameWith(rendered, 'errors only');
		expect(eventLines(frame)).toEqual([expect.stringContaining('failed (error)')]);
		await press(rendered, 'f');
		frame = await frameWith(rendered, 'events 3/3');
		expect(eventLines(frame)).toHaveLength(3);
	});

	it('/ filters by task, agent or text; esc cancels the prompt and clears the filter', async () => {
		const run = new FakeRun();
		run.emit(claimed('bd-a', 'sim-1'), 'info', at(0));
		run.emit(claimed('bd-ab', 'sim-2'), 'info', at(1));
		run.emit(failed('bd-ab', 'sim-2'), 'error', at(2));
		run.emit({type: 'tasks.unassignable', tasks: ['bd-a', 'bd-z']}, 'warn', at(3));
		const {rendered, captured} = await show(run);
		await frameWith(rendered, 'events 4/4');

		await press(rendered, '/');
		await frameWith(rendered, 'filter: ');
		await expect.poll(() => captured).toEqual([true]);
		await press(rendered, 'task:bd-a', keys.enter);
		let frame = await frameWith(rendered, 'filter "task:bd-a"');
		await expect.poll(() => captured).toEqual([true, false]);
		// bd-a exactly: not bd-ab; the unassignable warning names it too.
		expect(frame).toContain('events 2/4');
		expect(eventLines(frame).join('\n')).not.toContain('bd-ab');

		await press(rendered, '/');
		await frameWith(rendered, 'filter: task:bd-a');
		await press(rendered, 'x', keys.esc);
		frame = await frameWith(rendered, (text) => !text.includes('filter: '));
		expect(frame).toContain('filter "task:bd-a"');
		await expect.poll(() => captured).toEqual([true, false, true, false]);

		await press(rendered, keys.esc);
		await frameWith(rendered, 'events 4/4');
		await press(rendered, '/');
		await press(rendered, 'agent:sim-2 exit', keys.enter);
		frame = await frameWith(rendered, 'events 1/4');
		expect(eventLines(frame)).toEqual([expect.stringContaining('failed (error): exit 1')]);
	});

	it('takes every key typed into the filter while the view is still drawing the last one', async () => {
		const run = new FakeRun();
		run.emit(claimed('bd-a', 'sim-1'), 'info', at(0));
		run.emit(claimed('bd-ab', 'sim-2'), 'info', at(1));
		const {rendered} = await show(run);
		await frameWith(rendered, 'events 2/2');
		await press(rendered, '/');
		await frameWith(rendered, 'filter: ');
		// Three reads in one turn, as a terminal hands them over when the app is busy: each must find
		// the text the one before it made, with no render in between.
		rendered.stdin.write('task:');
		rendered.stdin.write('bd-a');
		rendered.stdin.write(keys.enter);
		const frame = await frameWith(rendered, 'filter "task:bd-a"');
		expect(frame).toContain('events 1/2');
	});

	it('scrolling up holds the place; G follows the newest again', async () => {
		const run = new FakeRun();
		for (let i = 0; i < 30; i++) run.emit(warning(`message ${i}`), 'info', at(i));
		const {rendered} = await show(run, 6);
		let frame = await frameWith(rendered, 'message 29');
		expect(eventLines(frame)).toHaveLength(5);
		expect(eventLines(frame)[0]).toContain('message 25');

		await press(rendered, 'k', 'k');
		frame = await frameWith(rendered, 'paused');
		expect(eventLines(frame)[0]).toContain('message 23');
		run.emit(warning('message 30'), 'info', at(30));
		frame = await frameWith(rendered, '3 newer below');
		expect(eventLines(frame)[0]).toContain('message 23');
		expect(frame).not.toContain('message 30');

		await press(rendered, 'g');
		frame = await frameWith(rendered, (text) => /message 0\s*$/.test(eventLines(text)[0] ?? ''));
		await press(rendered, 'G');
		frame = await frameWith(rendered, 'following');
		expect(eventLines(frame).at(-1)).toContain('message 30');
		run.emit(warning('message 31'), 'info', at(31));
		await frameWith(rendered, 'message 31');
	});

	it('keeps a bounded ring when 5,000 events come', async () => {
		const run = new FakeRun();
		const {rendered} = await show(run, 8);
		await frameWith(rendered, 'No events yet');
		for (let i = 0; i < 5000; i++) run.emit(warning(`message ${i}`), 'info', at(i));
		const frame = await frameWith(rendered, 'message 4999');
		expect(frame).toContain('events 2000/2000');
		await press(rendered, 'g');
		await frameWith(rendered, (text) => eventLines(text)[0]?.includes('message 3000') ?? false);
		expect(plain(rendered).split('\n').length).toBeLessThanOrEqual(8);
	});

	it('keeps its history when the view is shown again', async () => {
		const run = new FakeRun();
		const first = await show(run);
		for (let i = 0; i < 300; i++) run.emit(warning(`message ${i}`), 'info', at(i));
		await frameWith(first.rendered, 'events 300/300');
		first.rendered.unmount();
		run.emit(warning('while away'), 'info', at(400));
		const again = await show(run);
		await frameWith(again.rendered, 'events 301/301');
	});
});

const stamped = (event: RunEvent, level: Level = 'info', second = 0): StampedEvent => ({
	time: at(second).toISOString(),
	level,
	event,
});

describe('EventLog', () => {
	it('keeps the newest entries, numbered from the first ever', () => {
		const log = new EventLog((event) => event.event.type, 3);
		for (let i = 0; i < 5; i++) log.push(stamped(warning(String(i))));
		expect(log.size).toBe(3);
		expect(log.pushed).toBe(5);
		expect([0, 1, 2].map((i) => log.at(i)?.seq)).toEqual([2, 3, 4]);
		expect(log.at(3)).toBeUndefined();
	});

	it('catches up on a run’s recent events without taking one twice', () => {
		const log = new EventLog((event) => event.event.type);
		const recent = [stamped(warning('a')), stamped(warning('b'))];
		log.catchUp(recent);
		log.push(recent[1] as StampedEvent);
		recent.push(stamped(warning('c')));
		log.catchUp(recent);
		expect(log.size).toBe(3);
	});

	it('parses filter terms', () => {
		expect(parseQuery(' task:BD-1 agent:sim-2  level:warn Timeout ')).toEqual({
			tasks: ['bd-1'],
			agents: ['sim-2'],
			level: 'warn',
			words: ['timeout'],
		});
		expect(parseQuery('level:loud').words).toEqual(['level:loud']);
	});

	it('matches agents by name or by profile', () => {
		const log = new EventLog((event) => event.event.type);
		log.push(stamped(claimed('bd-1', 'sim-2')));
		log.push(
			stamped(
				{
					type: 'profile.paused',
					profile: 'sim',
					kind: 'infra',
					reason: 'x',
					seconds: 5,
					until: '2026-01-01T00:00:05.000Z',
				},
				'error',
			),
		);
		log.push(stamped(claimed('bd-2', 'claude-1')));
		const types = (query: string) =>
			matching(log, {...noFilter, query}).map((entry) => entry.stamped.event.type);
		expect(types('agent:sim')).toEqual(['task.claimed', 'profile.paused']);
		expect(types('agent:sim-2')).toEqual(['task.claimed']);
		expect(types('agent:claude-1 level:error')).toEqual([]);
	});

	it('windows and scrolls over the matching entries', () => {
		const log = new EventLog((event) => event.event.type);
		for (let i = 0; i < 10; i++) log.push(stamped(warning(String(i))));
		const entries = matching(log, noFilter);
		expect(logWindow(entries, following, 4)).toEqual({start: 6, end: 10, newer: 0});
		const up = scrollBy(entries, following, 4, -2);
		expect(up).toEqual({following: false, top: 4});
		expect(logWindow(entries, up, 4)).toEqual({start: 4, end: 8, newer: 2});
		expect(scrollBy(entries, up, 4, 1)).toEqual({following: false, top: 5});
		expect(scrollBy(entries, up, 4, 2)).toBe(following);
		expect(logWindow(entries, {following: false, top: -5}, 4).start).toBe(0);
	});
});
