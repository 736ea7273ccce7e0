import {describe, expect, it} from 'vitest';
import {
	defaultSimSpeed,
	parseSim,
	parseSimSpeed,
	progressLine,
	spewLine,
	tuiFrame,
	type SimPlan,
} from '../../source/core/sim.js';

const task = {id: 'bd-sim1', estimatedMinutes: 30};

const defaults: SimPlan = {
	taskId: 'bd-sim1',
	ms: 30_000,
	exit: 0,
	output: 'lines',
	memoryMbPerSec: 0,
	memoryInChild: false,
	hang: false,
	ignoreSigterm: false,
	writes: {},
	append: false,
};

const ansi = /\u001B\[[\d;?]*[A-Za-z]/g;

describe('parseSim', () => {
	it.each([
		['no sim at all', undefined, defaults],
		['an empty sim', {}, defaults],
		['ms', {ms: 1200}, {...defaults, ms: 1200}],
		['ms of 0', {ms: 0}, {...defaults, ms: 0}],
		['exit', {exit: 3}, {...defaults, exit: 3}],
		['output spew', {output: 'spew'}, {...defaults, output: 'spew'}],
		['output tui', {output: 'tui'}, {...defaults, output: 'tui'}],
		['memoryMbPerSec', {memoryMbPerSec: 2.5}, {...defaults, memoryMbPerSec: 2.5}],
		['hang', {hang: true}, {...defaults, hang: true}],
		['ignoreSigterm', {ignoreSigterm: true}, {...defaults, ignoreSigterm: true}],
		['ask', {ask: 'Proceed? [y/N]'}, {...defaults, ask: 'Proceed? [y/N]'}],
		[
			'writes, appended',
			{writes: {'src/a.txt': 'a\n'}, append: true},
			{...defaults, writes: {'src/a.txt': 'a\n'}, append: true},
		],
		[
			'every field',
			{ms: 5, exit: 1, output: 'tui', memoryMbPerSec: 1, hang: true, ignoreSigterm: true},
			{
				...defaults,
				ms: 5,
				exit: 1,
				output: 'tui',
				memoryMbPerSec: 1,
				hang: true,
				ignoreSigterm: true,
			},
		],
	] as const)('fills the defaults around %s', (_name, sim, expected) => {
		expect(parseSim(sim, task)).toEqual(expected);
	});

	it.each([
		['a string', 'fast', /^sim must be an object/],
		['an array', [], /^sim must be an object/],
		['null', null, /^sim must be an object/],
		['a negative ms', {ms: -1}, /^sim\.ms must be a number of milliseconds, 0 or more, not -1$/],
		['a string ms', {ms: '100'}, /^sim\.ms must be a number of milliseconds/],
		['an infinite ms', {ms: Number.POSITIVE_INFINITY}, /^sim\.ms must be/],
		['a fractional exit', {exit: 1.5}, /^sim\.exit must be an exit code/],
		['an exit over 255', {exit: 256}, /^sim\.exit must be an exit code/],
		['a string exit', {exit: '1'}, /^sim\.exit must be an exit code/],
		[
			'an unknown output',
			{output: 'html'},
			/^sim\.output must be "lines", "spew", "tui", not "html"$/,
		],
		['a negative memoryMbPerSec', {memoryMbPerSec: -5}, /^sim\.memoryMbPerSec must be/],
		['a string hang', {hang: 'yes'}, /^sim\.hang must be true or false, not "yes"$/],
		['a number ignoreSigterm', {ignoreSigterm: 1}, /^sim\.ignoreSigterm must be true or false/],
		['a misspelt field', {exitCode: 1}, /^sim\.exitCode is not a sim field; the fields are ms, /],
		['an empty ask', {ask: ' '}, /^sim\.ask must be the question to print/],
		['writes as a list', {writes: ['a.txt']}, /^sim\.writes must be an object of file paths/],
		[
			'a file’s text as a number',
			{writes: {'a.txt': 1}},
			/^sim\.writes\["a\.txt"\] must be the file's text/,
		],
		[
			'a file outside the folder',
			{writes: {'../x': ''}},
			/must be a path inside the working folder/,
		],
		['an absolute path', {writes: {'/etc/x': ''}}, /must be a path inside the working folder/],
		['a string append', {append: 'yes'}, /^sim\.append must be true or false/],
	] as const)('names the field when given %s', (_name, sim, message) => {
		const result = parseSim(sim, task);
		expect(result).toHaveProperty('error');
		expect((result as {error: string}).error).toMatch(message);
	});

	it.each([
		[30, defaultSimSpeed, 30_000],
		[30, 6000, 300],
		[30, 1, 1_800_000],
		[1, 7, 8571],
		[0.5, 60, 500],
	])('takes %s minutes at speed %s to mean %s ms when ms is not given', (minutes, speed, ms) => {
		const withoutSim = parseSim(undefined, {id: 'x', estimatedMinutes: minutes}, speed);
		const withoutMs = parseSim({exit: 2}, {id: 'x', estimatedMinutes: minutes}, speed);
		expect(withoutSim).toMatchObject({ms, exit: 0});
		expect(withoutMs).toMatchObject({ms, exit: 2});
	});

	it('takes an explicit ms whatever the speed', () => {
		expect(parseSim({ms: 700}, task, 6000)).toMatchObject({ms: 700});
	});
});

describe('parseSimSpeed', () => {
	it.each([
		[undefined, 60],
		['', 60],
		['6000', 6000],
		['0.5', 0.5],
		[' 2 ', 2],
	])('reads %j as %s', (raw, speed) => {
		expect(parseSimSpeed(raw)).toBe(speed);
	});

	it.each(['0', '-3', 'fast', 'Infinity', 'NaN'])('refuses %j, naming the variable', (raw) => {
		expect(parseSimSpeed(raw)).toEqual({
			error: expect.stringMatching(/^JETPACK_SIM_SPEED must be a positive number/),
		});
	});
});

describe('the text it prints', () => {
	it('prints agent-like progress lines with a percentage', () => {
		expect(progressLine(0, 0)).toBe('[  0%] Reading src/store/task-store.ts…\n');
		expect(progressLine(7, 0.42)).toMatch(/^\[ 42%\] Running tests/);
		expect(progressLine(3, 1.7)).toMatch(/^\[100%\] /);
		const messages = new Set(Array.from({length: 20}, (_, step) => progressLine(step, 0.5)));
		expect(messages.size).toBeGreaterThan(5);
	});

	it('spews one coloured line per call, reset at the end', () => {
		const line = spewLine(1234);
		expect(line.endsWith('\n')).toBe(true);
		expect(line.split('\n')).toHaveLength(2);
		expect(line).toContain('\u001B[38;5;');
		expect(line).toContain('\u001B[38;2;');
		expect(line.replace(ansi, '')).toMatch(/^00001234 /);
	});
});

/** The rows a frame addresses, with the visible text of each. */
function rowsOf(frame: string): Map<number, string> {
	const rows = new Map<number, string>();

	const parts = frame.split(/\u001B\[(\d+);1H/);
	for (let index = 1; index < parts.length; index += 2) {
		const row = Number(parts[index]);
		const text = (parts[index + 1] ?? '').replace(ansi, '');
		if (text !== '' || !rows.has(row)) rows.set(row, text);
	}

	return rows;
}

describe('tuiFrame', () => {
	it.each([
		[80, 24, 0, 0],
		[80, 24, 3200, 0.42],
		[120, 40, 60_000, 1],
		[40, 10, 12_345, 0.7],
		[30, 5, 500, 0.1],
		[200, 60, 90_000, 0.99],
	])(
		'at %sx%s, %s ms in, %s done: home, every row addressed and cleared, fits',
		(cols, rows, elapsedMs, progress) => {
			const frame = tuiFrame({taskId: 'bd-sim1', cols, rows, elapsedMs, progress});
			expect(frame.startsWith('\u001B[H')).toBe(true);
			expect(frame.split('simulated agent bd-sim1')).toHaveLength(2);
			const drawn = rowsOf(frame);
			expect([...drawn.keys()].every((row) => row >= 1 && row <= rows)).toBe(true);
			for (let row = 1; row <= rows; row++) {
				expect(frame).toContain(`\u001B[${row};1H\u001B[2K`);
				expect((drawn.get(row) ?? '').length).toBeLessThanOrEqual(cols);
			}

			expect(drawn.get(1)).toMatch(/^ simulated agent bd-sim1 /);
			expect(frame).not.toMatch(/\n/);
			expect(frame).not.toContain('\u001B[2J');
		},
	);

	it('shows a progress bar and a percentage that follow the progress', () => {
		const at = (progress: number) =>
			[
				...rowsOf(tuiFrame({taskId: 'a', cols: 50, rows: 12, elapsedMs: 1000, progress})).values(),
			].join('\n');
		expect(at(0.5)).toMatch(/█{21}░{20} {2}50%/);
		expect(at(1)).toMatch(/█{41} 100%/);
		expect(at(1)).toContain('✓ Finished');
	});

	it('turns its spinner as time passes', () => {
		const spinnerAt = (elapsedMs: number) =>
			rowsOf(tuiFrame({taskId: 'a', cols: 50, rows: 12, elapsedMs, progress: 0.3})).get(3)?.[0];
		expect(spinnerAt(0)).not.toBe(spinnerAt(80));
		expect(spinnerAt(0)).toBe(spinnerAt(800));
	});

	it('puts a footer on the row above the last', () => {
		const rows = rowsOf(
			tuiFrame({taskId: 'a', cols: 50, rows: 12, elapsedMs: 1000, progress: 1, footer: 'done: a'}),
		);
		expect(rows.get(11)).toBe(' done: a');
		expect(rows.get(12)).toBe('');
	});
});
