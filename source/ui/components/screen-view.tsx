/**
 * An agent's emulated screen as Ink output, exactly `rows` lines no wider than `cols`. Each line
 * is built once as an SGR string and handed to Ink through a `<Transform>` over a blank line of
 * the pane's width: Ink lays out (and caches, forever, in its measure cache) only the blank, never
 * the agent's ever-changing text, and no <Text> per run is created, styled and re-parsed.
 */
import {Box, Text, Transform} from 'ink';
import {memo} from 'react';
import type {Screen, ScreenRun} from '../../core/agent-ports.js';
import {sliceToWidth, textWidth} from '../text-width.js';
import {blank} from './styled-line.js';

/** SGR parameters for a run colour ('#rrggbb' or 'ansi:N'), as foreground or background. */
export function colourCode(colour: string, background: boolean): string {
	if (colour.startsWith('#')) {
		const value = Number.parseInt(colour.slice(1), 16);
		return `${background ? 48 : 38};2;${(value >> 16) & 255};${(value >> 8) & 255};${value & 255}`;
	}

	const n = Number(colour.slice(5));
	if (n < 8) return String((background ? 40 : 30) + n);
	if (n < 16) return String((background ? 100 : 90) + n - 8);
	return `${background ? 48 : 38};5;${n}`;
}

/** NO_COLOR (no-color.org): the agents' colours go, their bold and inverse stay. */
const colours = process.env['NO_COLOR'] === undefined || process.env['NO_COLOR'] === '';

/** One screen line as text with SGR sequences, reset at its end. */
export function sgrLine(runs: readonly ScreenRun[], dim: boolean): string {
	let line = '';
	for (const run of runs) {
		const codes: string[] = [];
		if (run.bold) codes.push('1');
		if (dim || run.dim) codes.push('2');
		if (run.italic) codes.push('3');
		if (run.underline) codes.push('4');
		if (run.inverse) codes.push('7');
		if (colours && run.fg !== undefined) codes.push(colourCode(run.fg, false));
		if (colours && run.bg !== undefined) codes.push(colourCode(run.bg, true));
		line += codes.length === 0 ? run.text : `\u001B[${codes.join(';')}m${run.text}\u001B[0m`;
	}

	return line;
}

/** The runs of a line cut to `cols` columns. */
export function fitRuns(runs: readonly ScreenRun[], cols: number): readonly ScreenRun[] {
	let used = 0;
	for (const [index, run] of runs.entries()) {
		const width = textWidth(run.text);
		if (used + width <= cols) {
			used += width;
			continue;
		}

		const cut = sliceToWidth(run.text, cols - used);
		const kept = runs.slice(0, index);
		if (cut !== '') kept.push({...run, text: cut});
		return kept;
	}

	return runs;
}

function sameRun(a: ScreenRun, b: ScreenRun): boolean {
	return (
		a.text === b.text &&
		a.fg === b.fg &&
		a.bg === b.bg &&
		a.bold === b.bold &&
		a.dim === b.dim &&
		a.italic === b.italic &&
		a.underline === b.underline &&
		a.inverse === b.inverse
	);
}

function sameRuns(a: readonly ScreenRun[], b: readonly ScreenRun[]): boolean {
	if (a === b) return true;
	if (a.length !== b.length) return false;
	for (let index = 0; index < a.length; index++) {
		const left = a[index];
		const right = b[index];
		if (left === undefined || right === undefined || !sameRun(left, right)) return false;
	}

	return true;
}

interface LineProps {
	readonly runs: readonly ScreenRun[];
	readonly cols: number;
	readonly dim: boolean;
}

const noRuns: readonly ScreenRun[] = [];

// The producer builds every line anew on each screen, so lines compare by content, not identity.
const ScreenLine = memo(
	function ScreenLine({runs, cols, dim}: LineProps) {
		const line = sgrLine(fitRuns(runs, cols), dim);
		return (
			<Transform transform={() => line}>
				<Text>{blank(cols)}</Text>
			</Transform>
		);
	},
	(before, after) =>
		before.cols === after.cols && before.dim === after.dim && sameRuns(before.runs, after.runs),
);

export interface ScreenViewProps {
	readonly screen: Screen;
	readonly cols: number;
	readonly rows: number;
	/** The first screen line shown (to show the bottom of a screen in fewer rows). */
	readonly top?: number;
	/** Drawn faded: the screen of an attempt that is over. */
	readonly dim?: boolean;
}

/** `screen` in a box of exactly `cols` × `rows`: lines it lacks are blank, extra ones cut. */
export const ScreenView = memo(function ScreenView({
	screen,
	cols,
	rows,
	top = 0,
	dim = false,
}: ScreenViewProps) {
	if (rows <= 0 || cols <= 0) return null;
	const lines = [];
	for (let y = 0; y < rows; y++)
		lines.push(<ScreenLine key={y} runs={screen.lines[top + y] ?? noRuns} cols={cols} dim={dim} />);
	return (
		<Box flexDirection="column" width={cols} height={rows}>
			{lines}
		</Box>
	);
});
