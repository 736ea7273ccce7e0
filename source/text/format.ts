/**
 * Text for a terminal, shared by the subcommands and the TUI (so neither imports the other):
 * colours that switch off for pipes and NO_COLOR, status symbols, safe one-line text, and a table
 * that fits the width.
 */
import type {TaskStatus} from '../core/task.js';

const codes = {
	bold: [1, 22],
	dim: [2, 22],
	red: [31, 39],
	green: [32, 39],
	yellow: [33, 39],
	blue: [34, 39],
	magenta: [35, 39],
	cyan: [36, 39],
} as const;

export type Style = keyof typeof codes;

export type Paint = (style: Style, text: string) => string;

export function painter(enabled: boolean): Paint {
	if (!enabled) return (_style, text) => text;
	return (style, text) => `\u001B[${codes[style][0]}m${text}\u001B[${codes[style][1]}m`;
}

/** Colour when writing to a terminal, unless NO_COLOR is set; FORCE_COLOR=1 forces it. */
export function colorWanted(stream: {isTTY?: boolean}, env: NodeJS.ProcessEnv): boolean {
	if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
	if (env['FORCE_COLOR'] !== undefined) return env['FORCE_COLOR'] !== '0';
	return stream.isTTY === true && env['TERM'] !== 'dumb';
}

export const statusLook: Record<TaskStatus, {symbol: string; style: Style}> = {
	pending: {symbol: '·', style: 'dim'},
	ready: {symbol: '○', style: 'cyan'},
	claimed: {symbol: '◔', style: 'yellow'},
	in_progress: {symbol: '◑', style: 'yellow'},
	review: {symbol: '◕', style: 'blue'},
	blocked: {symbol: '⊘', style: 'magenta'},
	completed: {symbol: '✓', style: 'green'},
	failed: {symbol: '✗', style: 'red'},
};

export function statusLabel(status: TaskStatus, paint: Paint): string {
	const look = statusLook[status];
	return paint(look.style, `${look.symbol} ${status}`);
}

/**
 * Text from the store as it may be shown on a terminal: control characters (an escape sequence in
 * a title could clear the screen or retitle the window) are shown in caret notation.
 */
export function printable(text: string): string {
	// eslint-disable-next-line no-control-regex
	return text.replaceAll(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, (char) => {
		const code = char.charCodeAt(0);
		if (code < 0x20) return `^${String.fromCharCode(code + 64)}`;
		return code === 0x7f ? '^?' : `\\u${code.toString(16).padStart(4, '0')}`;
	});
}

/** Text on one line, safe to print: runs of white space (tabs, newlines) become one space. */
export function oneLine(text: string): string {
	return printable(text.replaceAll(/\s+/g, ' '));
}

/** An estimate in minutes as people say it: "45 min", "2 h", "1 h 30 min". */
export function minutesText(minutes: number): string {
	const rounded = Math.round(minutes);
	if (rounded < 60) return `${rounded} min`;
	const hours = Math.floor(rounded / 60);
	const rest = rounded % 60;
	return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** Cuts text to `width` columns with an ellipsis (code units; titles are rarely wide characters). */
export function truncate(text: string, width: number): string {
	const flat = oneLine(text);
	if (flat.length <= width) return flat;
	return width <= 1 ? flat.slice(0, width) : `${flat.slice(0, width - 1)}…`;
}

export interface Column {
	readonly header: string;
	/** The last column takes what is left of the width and is truncated to it. */
	readonly cells: readonly string[];
	/** The cell as shown, when it differs from the text measured (colour codes around it). */
	readonly shown?: readonly string[];
}

/**
 * Left-aligned columns separated by two spaces. With `width`, the last column is cut to fit;
 * without (piped output), nothing is cut.
 */
export function table(columns: readonly Column[], width: number | undefined, paint: Paint): string {
	const rows = columns[0]?.cells.length ?? 0;
	const widths = columns.map((column) =>
		Math.max(column.header.length, ...column.cells.map((cell) => cell.length)),
	);
	const lines: string[] = [];
	const last = columns.length - 1;
	const lead = widths.slice(0, last).reduce((sum, w) => sum + w + 2, 0);
	const room = width === undefined ? undefined : Math.max(width - lead, 10);
	const line = (cell: (column: Column, index: number) => string) =>
		columns
			.map((column, index) => {
				const text = cell(column, index);
				if (index === last) return room === undefined ? oneLine(text) : truncate(text, room);
				return text + ' '.repeat(Math.max(0, (widths[index] ?? 0) - text.length));
			})
			.join('  ')
			.trimEnd();
	lines.push(
		paint(
			'bold',
			line((column) => column.header),
		),
	);
	for (let row = 0; row < rows; row++) {
		const plain = line((column) => column.cells[row] ?? '');
		lines.push(colourRow(plain, columns, row, widths));
	}

	return lines.join('\n') + '\n';
}

/** Swaps each cell's plain text for its coloured form once the padding is known. */
function colourRow(
	plain: string,
	columns: readonly Column[],
	row: number,
	widths: readonly number[],
): string {
	let out = '';
	let offset = 0;
	for (const [index, column] of columns.entries()) {
		const width = index === columns.length - 1 ? plain.length - offset : (widths[index] ?? 0);
		const piece = plain.slice(offset, offset + width);
		const cell = column.cells[row] ?? '';
		const shown = column.shown?.[row];
		out += shown !== undefined && piece.startsWith(cell) ? shown + piece.slice(cell.length) : piece;
		offset += width + 2;
		if (index < columns.length - 1) out += plain.slice(offset - 2, offset);
	}

	return out;
}
