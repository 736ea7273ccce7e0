/**
 * A line as git prints it with `--color` (SGR escape sequences) turned into styled segments, so it
 * is drawn with our own `StyledLine` and never written to the terminal as it came: only colours and
 * text styles are kept, every other escape sequence (cursor moves, titles, links) is dropped, and
 * the control characters left are shown by `StyledLine` as text.
 */
import type {Segment} from './components/styled-line.js';

const names = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'] as const;

interface Style {
	color?: string;
	background?: string;
	bold?: boolean;
	dim?: boolean;
	inverse?: boolean;
	underline?: boolean;
}

const twoHex = (n: number) => Math.max(0, Math.min(255, n)).toString(16).padStart(2, '0');

/** One of the 256 colours (`38;5;n`) as a colour `StyledLine` draws. */
function colour256(n: number): string | undefined {
	if (!Number.isInteger(n) || n < 0 || n > 255) return undefined;
	if (n < 8) return names[n];
	if (n < 16) return `${names[n - 8] ?? 'white'}Bright`;
	if (n >= 232) {
		const grey = 8 + (n - 232) * 10;
		return `#${twoHex(grey)}${twoHex(grey)}${twoHex(grey)}`;
	}

	const cube = n - 16;
	const level = (value: number) => (value === 0 ? 0 : 55 + value * 40);
	return `#${twoHex(level(Math.floor(cube / 36)))}${twoHex(level(Math.floor(cube / 6) % 6))}${twoHex(level(cube % 6))}`;
}

/**
 * The colour that `38`/`48` introduce, read from `params` at `at` (just after the 38 or 48);
 * returns it and how many parameters it took.
 */
function extendedColour(
	params: readonly number[],
	at: number,
): {colour: string | undefined; used: number} {
	const kind = params[at];
	if (kind === 5) return {colour: colour256(params[at + 1] ?? -1), used: 2};
	if (kind === 2) {
		const [r = 0, g = 0, b = 0] = params.slice(at + 1, at + 4);
		return {colour: `#${twoHex(r)}${twoHex(g)}${twoHex(b)}`, used: 4};
	}

	return {colour: undefined, used: 1};
}

/** `style` after an SGR sequence with `parameters` (`1;31`; empty means reset). */
function applySgr(style: Style, parameters: string): Style {
	// `38:5:196` (colons) is the same as `38;5;196`.
	const params = parameters === '' ? [0] : parameters.split(/[;:]/).map((p) => Number(p || '0'));
	let next: Style = {...style};
	for (let i = 0; i < params.length; i++) {
		const code = params[i] ?? 0;
		if (code === 0) next = {};
		else if (code === 1) next.bold = true;
		else if (code === 2) next.dim = true;
		else if (code === 22) {
			next.bold = false;
			next.dim = false;
		} else if (code === 4) next.underline = true;
		else if (code === 24) next.underline = false;
		else if (code === 7) next.inverse = true;
		else if (code === 27) next.inverse = false;
		else if (code >= 30 && code <= 37) next.color = names[code - 30];
		else if (code >= 90 && code <= 97) next.color = `${names[code - 90] ?? 'white'}Bright`;
		else if (code === 39) delete next.color;
		else if (code >= 40 && code <= 47) next.background = names[code - 40];
		else if (code >= 100 && code <= 107) next.background = `${names[code - 100] ?? 'white'}Bright`;
		else if (code === 49) delete next.background;
		else if (code === 38 || code === 48) {
			const {colour, used} = extendedColour(params, i + 1);
			if (colour !== undefined) {
				if (code === 38) next.color = colour;
				else next.background = colour;
			}

			i += used;
		}
		// Italic, blink, strike-through and the rest: the text is shown without them.
	}

	return next;
}

function sameStyle(a: Style, b: Style): boolean {
	return (
		a.color === b.color &&
		a.background === b.background &&
		(a.bold ?? false) === (b.bold ?? false) &&
		(a.dim ?? false) === (b.dim ?? false) &&
		(a.inverse ?? false) === (b.inverse ?? false) &&
		(a.underline ?? false) === (b.underline ?? false)
	);
}

function segmentOf(text: string, style: Style): Segment {
	return {
		text,
		...(style.color === undefined ? {} : {color: style.color}),
		...(style.background === undefined ? {} : {background: style.background}),
		...(style.bold === true ? {bold: true} : {}),
		...(style.dim === true ? {dim: true} : {}),
		...(style.inverse === true ? {inverse: true} : {}),
		...(style.underline === true ? {underline: true} : {}),
	};
}

/** Columns between tab stops, as in the task details' log lines. */
export const tabWidth = 4;

/**
 * `line` (one line, with SGR colours) as segments of plain text, tabs expanded to stops every
 * `tabWidth` columns. A sequence cut off at the end of the line (a capped line) is dropped.
 */
export function ansiSegments(line: string): Segment[] {
	const segments: Segment[] = [];
	let style: Style = {};
	let column = 0;
	const add = (raw: string) => {
		if (raw === '') return;
		let text = '';
		for (const char of raw) {
			if (char === '\t') {
				const spaces = tabWidth - (column % tabWidth);
				text += ' '.repeat(spaces);
				column += spaces;
			} else {
				text += char;
				column++;
			}
		}

		const last = segments.at(-1);
		if (last !== undefined && sameStyle(last, style))
			segments[segments.length - 1] = {...last, text: last.text + text};
		else segments.push(segmentOf(text, style));
	};

	let at = 0;
	while (at < line.length) {
		const escape = line.indexOf('\u001B', at);
		if (escape === -1) {
			add(line.slice(at));
			break;
		}

		add(line.slice(at, escape));
		const kind = line[escape + 1];
		if (kind === '[') {
			// CSI: parameters, intermediates, one final byte.
			const csi = /^\[([0-?]*)[ -/]*([@-~])/.exec(line.slice(escape + 1, escape + 64));
			if (csi === null) break;
			if (csi[2] === 'm') style = applySgr(style, csi[1] ?? '');
			at = escape + 1 + csi[0].length;
		} else if (kind === ']') {
			// OSC (a title, a hyperlink): up to BEL or ESC \.
			const bel = line.indexOf('\u0007', escape);
			const st = line.indexOf('\u001B\\', escape + 1);
			const ends = [bel === -1 ? -1 : bel + 1, st === -1 ? -1 : st + 2].filter((end) => end > 0);
			if (ends.length === 0) break;
			at = Math.min(...ends);
		} else {
			at = escape + (kind === undefined ? 1 : 2);
		}
	}

	return segments;
}

/** `line` without its escape sequences: what a person reads. */
export function stripAnsi(line: string): string {
	return ansiSegments(line)
		.map((segment) => segment.text)
		.join('');
}
