/**
 * Terminal output → log text (PRODUCT.md §3, §13): escape sequences are stripped, holding back
 * one split across chunks; a carriage return ends a line, so progress bars that redraw with `\r`
 * become one line per redraw instead of a single line megabytes long; and cursor moves become
 * what they stood for on the screen — a full-screen CLI that places each word with "cursor to
 * column N" reads `Enter to confirm`, not `Entertoconfirm`.
 */
import stripAnsi from 'strip-ansi';

/** An unfinished escape sequence longer than this is not one; it is let through and stripped. */
const maxCarry = 4096;
/** A cursor jump wider than a screen is not a run of spaces worth writing. */
const maxSkip = 400;

// Control characters are what these patterns are about.
/* eslint-disable no-control-regex */
/** OSC, DCS, SOS, PM, APC or screen title string whose terminator has not come yet. */
const unfinishedControlString = /^\u001B[\]PX^_k][^\u0007\u0018\u001A\u001B]*$/;
/** CSI without its final byte, a control string without its terminator, ESC + intermediates. */
const unfinishedEscape =
	/^\u001B(?:\[[\u0030-\u003F]*[\u0020-\u002F]*|[\]PX^_k][^\u0007\u0018\u001A\u001B]*|[\u0020-\u002F]*)$/;
/** Bells, backspaces, stray ESCs of malformed sequences: noise in a text file. */
const leftoverControls = /[\u0000-\u0008\u000B-\u001F\u007F]/g;
/** A cursor move: forward (C), to a column (G), to another row (A B E F d), to a position (H f). */
const cursorMove = /\u001B\[([\d;]*)([ABCEFGHdf])/g;
/* eslint-enable no-control-regex */

/**
 * Where an escape sequence at the end of `text` begins if it is not finished yet (its remainder is
 * in the next chunk), else -1. Stripping it as it stands would leave its second half as text.
 */
function unfinishedEscapeStart(text: string): number {
	const last = text.lastIndexOf('\u001B');
	if (last === -1 || text.length - last > maxCarry) return -1;
	const tail = text.slice(last);
	// A lone ESC may be the first half of the ST ending an OSC/DCS string begun earlier.
	if (tail === '\u001B') {
		const before = text.lastIndexOf('\u001B', last - 1);
		if (
			before !== -1 &&
			last - before <= maxCarry &&
			unfinishedControlString.test(text.slice(before, last))
		) {
			return before;
		}

		return last;
	}

	return unfinishedEscape.test(tail) ? last : -1;
}

export class PlainText {
	#carry = '';
	#pendingCr = false;
	/** Characters since the last line break: where "cursor to column N" lands. */
	#column = 0;

	push(chunk: string): string {
		let text = this.#carry + chunk;
		this.#carry = '';
		const start = unfinishedEscapeStart(text);
		if (start !== -1) {
			this.#carry = text.slice(start);
			text = text.slice(0, start);
		}

		return this.#plain(text);
	}

	/** What is left at the end of output, unfinished sequence or not. */
	flush(): string {
		const rest = this.#plain(this.#carry);
		this.#carry = '';
		const newline = this.#pendingCr ? '\n' : '';
		this.#pendingCr = false;
		return rest + newline;
	}

	#plain(text: string): string {
		let plain = text.includes('\u001B') ? this.#moves(text) : this.#text(text);
		if (this.#pendingCr) plain = `\r${plain}`;
		// A `\r` at the very end may be the first half of `\r\n`.
		this.#pendingCr = plain.endsWith('\r');
		if (this.#pendingCr) plain = plain.slice(0, -1);
		return plain.replaceAll(/\r+\n?/g, '\n').replaceAll(leftoverControls, '');
	}

	/** `text` with its cursor moves turned into spaces and line breaks, and the rest stripped. */
	#moves(text: string): string {
		let out = '';
		let from = 0;
		for (const match of text.matchAll(cursorMove)) {
			out += this.#text(stripAnsi(text.slice(from, match.index)));
			from = match.index + match[0].length;
			out += this.#move(match[1] ?? '', match[2] ?? '');
		}

		return out + this.#text(stripAnsi(text.slice(from)));
	}

	#move(parameters: string, final: string): string {
		const numbers = parameters.split(';').map((n) => Number.parseInt(n, 10) || 1);
		const n = Math.min(numbers[0] ?? 1, maxSkip);
		switch (final) {
			case 'C': {
				this.#column += n;
				return ' '.repeat(n);
			}

			case 'G': {
				return this.#toColumn(n - 1);
			}

			case 'H':
			case 'f': {
				// A row and a column: a new line, then across to the column.
				this.#column = 0;
				return `\n${this.#toColumn(Math.min(numbers[1] ?? 1, maxSkip) - 1)}`;
			}

			default: {
				// Up, down, next or previous line, a row: a line ends.
				this.#column = 0;
				return '\n';
			}
		}
	}

	/** Across to `column`: the spaces skipped; back to the start, a new line; back a little, a space. */
	#toColumn(column: number): string {
		if (column > this.#column) {
			const skipped = column - this.#column;
			this.#column = column;
			return ' '.repeat(skipped);
		}

		if (column === this.#column) return '';
		this.#column = column;
		return column === 0 ? '\n' : ' ';
	}

	/** Plain text as it is, keeping count of the column it ends at. */
	#text(plain: string): string {
		const lineEnd = Math.max(plain.lastIndexOf('\n'), plain.lastIndexOf('\r'));
		this.#column = lineEnd === -1 ? this.#column + plain.length : plain.length - lineEnd - 1;
		return plain;
	}
}
