/**
 * Turns an emulated terminal's cells into the `Screen` the ports describe: per row, runs of text
 * sharing colours and attributes. Kept apart from the pty so a pane can render any xterm buffer.
 */
import type {IBuffer, IBufferCell} from '@xterm/headless';
import type {Screen, ScreenRun} from '../core/agent-ports.js';

interface Style {
	fg: string | undefined;
	bg: string | undefined;
	bold: boolean;
	dim: boolean;
	italic: boolean;
	underline: boolean;
	inverse: boolean;
}

function colour(isRgb: boolean, isPalette: boolean, value: number): string | undefined {
	if (isRgb) return `#${value.toString(16).padStart(6, '0')}`;
	if (isPalette) return `ansi:${value}`;
	return undefined;
}

function styleOf(cell: IBufferCell): Style {
	return {
		fg: colour(cell.isFgRGB(), cell.isFgPalette(), cell.getFgColor()),
		bg: colour(cell.isBgRGB(), cell.isBgPalette(), cell.getBgColor()),
		bold: cell.isBold() !== 0,
		dim: cell.isDim() !== 0,
		italic: cell.isItalic() !== 0,
		underline: cell.isUnderline() !== 0,
		inverse: cell.isInverse() !== 0,
	};
}

function sameStyle(a: Style, b: Style): boolean {
	return (
		a.fg === b.fg &&
		a.bg === b.bg &&
		a.bold === b.bold &&
		a.dim === b.dim &&
		a.italic === b.italic &&
		a.underline === b.underline &&
		a.inverse === b.inverse
	);
}

/** Blank cells in this style look like nothing at all, so trailing ones can be dropped. */
function invisibleWhenBlank(style: Style): boolean {
	return style.bg === undefined && !style.inverse && !style.underline;
}

// Only the attributes that are set, so runs compare and serialise without `undefined` noise.
function toRun(text: string, style: Style): ScreenRun {
	return {
		text,
		...(style.fg === undefined ? {} : {fg: style.fg}),
		...(style.bg === undefined ? {} : {bg: style.bg}),
		...(style.bold ? {bold: true} : {}),
		...(style.dim ? {dim: true} : {}),
		...(style.italic ? {italic: true} : {}),
		...(style.underline ? {underline: true} : {}),
		...(style.inverse ? {inverse: true} : {}),
	};
}

/**
 * The rows `top`..`top + rows - 1` of `buffer` as runs. `top` defaults to the program's own screen
 * (`baseY`); pass `viewportY` to render a scrolled-back view. Trailing blank cells that would draw
 * nothing are left out, so a row is only as long as its content.
 */
export function screenFromBuffer(
	buffer: IBuffer,
	cols: number,
	rows: number,
	top: number = buffer.baseY,
): Screen {
	const lines: ScreenRun[][] = [];
	// One cell object for the whole screen: xterm fills it in place instead of allocating per cell.
	let cell: IBufferCell | undefined;
	for (let y = 0; y < rows; y++) {
		const line = buffer.getLine(top + y);
		const runs: ScreenRun[] = [];
		if (line !== undefined) {
			let text = '';
			let style: Style | undefined;
			// The style as numbers, compared cell by cell; a Style is built only where it changes.
			let fgKey = -1;
			let bgKey = -1;
			let flagsKey = -1;
			let visibleEnd = 0;
			let runsBeforeVisibleEnd = 0;
			let textAtVisibleEnd = 0;
			const width = Math.min(cols, line.length);
			for (let x = 0; x < width; x++) {
				cell = line.getCell(x, cell);
				if (cell === undefined) break;
				const cellWidth = cell.getWidth();
				// The right half of a wide character: its glyph was emitted with the left half.
				if (cellWidth === 0) continue;
				const fg = cell.getFgColorMode() + cell.getFgColor();
				const bg = cell.getBgColorMode() + cell.getBgColor();
				const flags =
					(cell.isBold() === 0 ? 0 : 1) |
					(cell.isDim() === 0 ? 0 : 2) |
					(cell.isItalic() === 0 ? 0 : 4) |
					(cell.isUnderline() === 0 ? 0 : 8) |
					(cell.isInverse() === 0 ? 0 : 16);
				if (style === undefined || fg !== fgKey || bg !== bgKey || flags !== flagsKey) {
					const next = styleOf(cell);
					fgKey = fg;
					bgKey = bg;
					flagsKey = flags;
					if (style === undefined || !sameStyle(style, next)) {
						if (style !== undefined && text !== '') runs.push(toRun(text, style));
						text = '';
						style = next;
					}
				}

				const chars = cell.getChars();
				const blank = chars === '' || chars === ' ' || cell.isInvisible() !== 0;
				text += blank ? (cellWidth === 1 ? ' ' : ' '.repeat(cellWidth)) : chars;
				if (!blank || !invisibleWhenBlank(style)) {
					visibleEnd = x + cellWidth;
					runsBeforeVisibleEnd = runs.length;
					textAtVisibleEnd = text.length;
				}
			}

			if (style !== undefined && text !== '') runs.push(toRun(text, style));
			if (visibleEnd === 0) {
				runs.length = 0;
			} else {
				runs.length = runsBeforeVisibleEnd + 1;
				const last = runs[runsBeforeVisibleEnd];
				if (last !== undefined) {
					runs[runsBeforeVisibleEnd] = {...last, text: last.text.slice(0, textAtVisibleEnd)};
				}
			}
		}

		lines.push(runs);
	}

	return {cols, rows, lines, cursor: {x: buffer.cursorX, y: buffer.baseY + buffer.cursorY - top}};
}
