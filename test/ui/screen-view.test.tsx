import xterm from '@xterm/headless';
import {cleanup, render} from 'ink-testing-library';
import stripAnsi from 'strip-ansi';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {screenFromBuffer} from '../../source/adapters/screen.js';
import type {Screen} from '../../source/core/agent-ports.js';
import {colourCode, fitRuns, ScreenView, sgrLine} from '../../source/ui/components/screen-view.js';
import {textWidth} from '../../source/ui/text-width.js';

// Colours are what these tests check: ink's chalk picks its colour depth from the environment when
// it loads (TERM=xterm alone means 16 colours), so it is told, before any import, to use them all.
vi.hoisted(() => {
	process.env['FORCE_COLOR'] = '3';
	process.env['COLORTERM'] = 'truecolor';
});

afterEach(() => {
	cleanup();
});

/** Feeds recorded chunks to a real emulator, each after the last is parsed, and takes its screen. */
async function emulate(chunks: readonly string[], cols = 20, rows = 6): Promise<Screen> {
	const terminal = new xterm.Terminal({cols, rows, allowProposedApi: true});
	try {
		for (const chunk of chunks)
			await new Promise<void>((resolve) => {
				terminal.write(chunk, resolve);
			});
		return screenFromBuffer(terminal.buffer.active, cols, rows);
	} finally {
		terminal.dispose();
	}
}

function frameOf(screen: Screen, cols: number, rows: number): string {
	const {lastFrame} = render(<ScreenView screen={screen} cols={cols} rows={rows} />);
	return lastFrame() ?? '';
}

const lines = (frame: string) => stripAnsi(frame).split('\n');

describe('ScreenView on recorded byte streams', () => {
	it('keeps palette, 256-colour and true colours as runs and as SGR in the frame', async () => {
		const screen = await emulate([
			'\u001B[31mred\u001B[0m plain\r\n',
			'\u001B[38;5;208morange\u001B[0m\r\n',
			'\u001B[38;2;255;0;0mtrue\u001B[0m \u001B[1;4mstrong\u001B[0m\r\n',
			'\u001B[92;44mbright on blue\u001B[0m',
		]);
		expect(screen.lines[0]).toEqual([{text: 'red', fg: 'ansi:1'}, {text: ' plain'}]);
		expect(screen.lines[1]).toEqual([{text: 'orange', fg: 'ansi:208'}]);
		expect(screen.lines[2]).toEqual([
			{text: 'true', fg: '#ff0000'},
			{text: ' '},
			{text: 'strong', bold: true, underline: true},
		]);
		expect(screen.lines[3]).toEqual([{text: 'bright on blue', fg: 'ansi:10', bg: 'ansi:4'}]);

		const frame = frameOf(screen, 20, 6);
		expect(frame).toContain('\u001B[31mred');
		expect(frame).toContain('\u001B[38;5;208morange');
		expect(frame).toContain('\u001B[38;2;255;0;0mtrue');
		expect(frame).toContain('\u001B[92m');
		expect(frame).toContain('\u001B[44m');
		expect(frame).toContain('\u001B[1m');
		expect(frame).toContain('\u001B[4m');
		expect(lines(frame).slice(0, 4)).toEqual([
			'red plain',
			'orange',
			'true strong',
			'bright on blue',
		]);
	});

	it('shows only the new content after a full-screen redraw in place', async () => {
		const old = Array.from({length: 24}, (_, index) => `old line ${index}`).join('\r\n');
		const screen = await emulate(
			[old, '\u001B[H\u001B[2J', '\u001B[2;3Hsecond', '\u001B[1;1Hfirst', '\u001B[5;10Hend'],
			20,
			6,
		);
		const frame = lines(frameOf(screen, 20, 6));
		expect(frame).toHaveLength(6);
		expect(frame[0]).toBe('first');
		expect(frame[1]).toBe('  second');
		expect(frame[4]).toBe('         end');
		expect(frame.join('\n')).not.toContain('old line');
	});

	it('keeps wide characters intact, two cells each, never wider than the pane', async () => {
		const screen = await emulate(['日本語 ok\r\n', '😀x\r\n', 'abc日本語日本語日本語'], 12, 4);
		expect(screen.lines[0]).toEqual([{text: '日本語 ok'}]);
		expect(screen.lines[1]).toEqual([{text: '😀x'}]);
		const frame = lines(frameOf(screen, 12, 4));
		expect(frame[0]).toBe('日本語 ok');
		expect(frame[1]).toBe('😀x');
		// 12 columns: 'abc' and four whole wide characters, the fifth wrapped by the emulator.
		expect(frame[2]).toBe('abc日本語日');
		for (const line of frame) expect(textWidth(line)).toBeLessThanOrEqual(12);

		// A pane narrower than the screen (before the resize lands) cuts at a whole character.
		const narrow = lines(frameOf(screen, 6, 4));
		expect(narrow[0]).toBe('日本語');
		expect(narrow[2]).toBe('abc日');
		for (const line of narrow) expect(textWidth(line)).toBeLessThanOrEqual(6);
	});

	it('parses an escape sequence split across two chunks', async () => {
		const screen = await emulate(['before \u001B[3', '1mred\u001B[0m after']);
		expect(screen.lines[0]).toEqual([
			{text: 'before '},
			{text: 'red', fg: 'ansi:1'},
			{text: ' after'},
		]);
		const frame = frameOf(screen, 20, 6);
		expect(frame).toContain('\u001B[31mred');
		expect(lines(frame)[0]).toBe('before red after');
		expect(stripAnsi(frame)).not.toContain('[3');
	});

	it('draws exactly the rows asked for: blank beyond the screen, cut beyond the pane', async () => {
		const screen = await emulate(['one\r\ntwo\r\nthree'], 10, 3);
		const tall = lines(frameOf(screen, 10, 5));
		expect(tall).toHaveLength(5);
		expect(tall.slice(0, 3)).toEqual(['one', 'two', 'three']);
		cleanup();
		const short = lines(frameOf(screen, 10, 2));
		expect(short).toEqual(['one', 'two']);
	});

	it('draws inverse, dim and italic cells with their attributes', async () => {
		const screen = await emulate([
			'\u001B[7minv\u001B[0m \u001B[2mdim\u001B[0m \u001B[3mit\u001B[0m',
		]);
		expect(screen.lines[0]).toEqual([
			{text: 'inv', inverse: true},
			{text: ' '},
			{text: 'dim', dim: true},
			{text: ' '},
			{text: 'it', italic: true},
		]);
		const frame = frameOf(screen, 20, 1);
		expect(frame).toContain('\u001B[7minv');
		expect(frame).toContain('\u001B[2mdim');
		expect(frame).toContain('\u001B[3mit');
	});
});

describe('colour and width helpers', () => {
	it('maps run colours to SGR parameters: the 16 named, 256-colour and true colour', () => {
		expect(colourCode('ansi:0', false)).toBe('30');
		expect(colourCode('ansi:3', true)).toBe('43');
		expect(colourCode('ansi:8', false)).toBe('90');
		expect(colourCode('ansi:15', true)).toBe('107');
		expect(colourCode('ansi:16', false)).toBe('38;5;16');
		expect(colourCode('ansi:255', true)).toBe('48;5;255');
		expect(colourCode('#12ab34', false)).toBe('38;2;18;171;52');
	});

	it('builds a line as SGR text, each run reset after itself', () => {
		expect(sgrLine([{text: 'a', fg: 'ansi:1', bold: true}, {text: ' b'}], false)).toBe(
			'\u001B[1;31ma\u001B[0m b',
		);
		expect(sgrLine([{text: 'old'}], true)).toBe('\u001B[2mold\u001B[0m');
	});

	it('cuts runs at the pane width, keeping their styles', () => {
		expect(fitRuns([{text: 'abc', fg: 'ansi:1'}, {text: 'defgh'}], 5)).toEqual([
			{text: 'abc', fg: 'ansi:1'},
			{text: 'de'},
		]);
		expect(fitRuns([{text: 'ab'}, {text: '日本'}], 3)).toEqual([{text: 'ab'}]);
		const whole = [{text: 'fits'}];
		expect(fitRuns(whole, 4)).toBe(whole);
	});
});
