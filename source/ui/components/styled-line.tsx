/**
 * One line of styled text, built once as an SGR string and handed to Ink through a `<Transform>`
 * over a blank line of its width. Ink measures, wraps and caches only the blank (plain ASCII, a
 * handful of widths), never the ever-changing text: its text caches live as long as the process,
 * and its width measure is slow for the symbols (✓ ● ★ …) on every row of a table.
 */
import {Text, Transform} from 'ink';
import {memo} from 'react';
import {printable} from '../../text/format.js';
import {sliceToWidth, textWidth} from '../text-width.js';

export interface Segment {
	readonly text: string;
	/** An Ink colour name (`red`, `cyan`, `gray`, `yellowBright` …) or `#rrggbb`. */
	readonly color?: string;
	/** The same, behind the text (git marks whitespace errors with a red background). */
	readonly background?: string;
	readonly bold?: boolean;
	readonly dim?: boolean;
	readonly inverse?: boolean;
	readonly underline?: boolean;
}

const names = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];

const hex = /^#([\da-f]{2})([\da-f]{2})([\da-f]{2})$/i;

/** The SGR parameter for `color`; `background` moves it to the background's codes. */
function colourParameter(color: string, background = false): string | undefined {
	const rgb = hex.exec(color);
	if (rgb !== null)
		return `${background ? 48 : 38};2;${rgb
			.slice(1, 4)
			.map((pair) => Number.parseInt(pair, 16))
			.join(';')}`;
	const shift = background ? 10 : 0;
	if (color === 'gray' || color === 'grey') return String(90 + shift);
	const bright = color.endsWith('Bright');
	const index = names.indexOf(bright ? color.slice(0, -6) : color);
	if (index === -1) return undefined;
	return String((bright ? 90 : 30) + shift + index);
}

/** NO_COLOR (no-color.org): no colours; bold, dim and inverse stay. */
const colours = process.env['NO_COLOR'] === undefined || process.env['NO_COLOR'] === '';

/** `segments` as one SGR string no wider than `width` columns. */
export function styledText(
	segments: readonly Segment[],
	width: number,
	base: Omit<Segment, 'text'> = {},
): string {
	let out = '';
	let left = width;
	for (const segment of segments) {
		if (left <= 0) break;
		// Text from the store or an agent's log could carry escape sequences: shown, never obeyed.
		const safe = printable(segment.text);
		const wide = textWidth(safe);
		const text = wide <= left ? safe : sliceToWidth(safe, left);
		left -= wide <= left ? wide : textWidth(text);
		const codes: string[] = [];
		if (segment.bold ?? base.bold) codes.push('1');
		if (segment.dim ?? base.dim) codes.push('2');
		if (segment.underline ?? base.underline) codes.push('4');
		if (segment.inverse ?? base.inverse) codes.push('7');
		const color = segment.color ?? base.color;
		const parameter = colours && color !== undefined ? colourParameter(color) : undefined;
		if (parameter !== undefined) codes.push(parameter);
		const background = segment.background ?? base.background;
		const behind =
			colours && background !== undefined ? colourParameter(background, true) : undefined;
		if (behind !== undefined) codes.push(behind);
		out += codes.length === 0 ? text : `\u001B[${codes.join(';')}m${text}\u001B[0m`;
	}

	// An inverse line (a selection) reaches the edge, as a highlighted row should.
	if ((base.inverse ?? false) && left > 0) out += `\u001B[7m${' '.repeat(left)}\u001B[0m`;
	return out;
}

/** Blank lines by width: the only text of such a line Ink ever measures. */
const blanks = new Map<number, string>();
export function blank(width: number): string {
	let line = blanks.get(width);
	if (line === undefined) {
		line = ' '.repeat(Math.max(0, width));
		// Widths are few; the bound only guards against a terminal resized a thousand times.
		if (blanks.size > 500) blanks.clear();
		blanks.set(width, line);
	}

	return line;
}

function sameSegments(a: readonly Segment[], b: readonly Segment[]): boolean {
	if (a === b) return true;
	if (a.length !== b.length) return false;
	for (let index = 0; index < a.length; index++) {
		const left = a[index];
		const right = b[index];
		if (
			left === undefined ||
			right === undefined ||
			left.text !== right.text ||
			left.color !== right.color ||
			left.background !== right.background ||
			left.bold !== right.bold ||
			left.dim !== right.dim ||
			left.inverse !== right.inverse ||
			left.underline !== right.underline
		)
			return false;
	}

	return true;
}

export interface StyledLineProps {
	readonly segments: readonly Segment[];
	readonly width: number;
	/** Applied to every segment that does not say otherwise (a selected row: inverse). */
	readonly base?: Omit<Segment, 'text'>;
}

/** Exactly one row of `width` columns (blank where the text ends). */
export const StyledLine = memo(
	function StyledLine({segments, width, base}: StyledLineProps) {
		if (width <= 0) return null;
		const line = styledText(segments, width, base);
		return (
			<Transform transform={() => line}>
				<Text>{blank(width)}</Text>
			</Transform>
		);
	},
	(before, after) =>
		before.width === after.width &&
		sameSegments(before.segments, after.segments) &&
		before.base?.color === after.base?.color &&
		before.base?.bold === after.base?.bold &&
		before.base?.dim === after.base?.dim &&
		before.base?.inverse === after.base?.inverse,
);
