/** Widths of text in terminal columns: wide characters (CJK, most emoji) take two. */
import stringWidth from 'string-width';

const printableAscii = /^[\u0020-\u007E]*$/;

/** Terminal columns `text` takes: wide characters count two. Plain ASCII, the common case, is its length. */
export function textWidth(text: string): number {
	return printableAscii.test(text) ? text.length : stringWidth(text);
}

/** The longest prefix of `text` no wider than `width`, never splitting a wide character. */
export function sliceToWidth(text: string, width: number): string {
	if (width <= 0) return '';
	if (printableAscii.test(text)) return text.slice(0, width);
	let out = '';
	let used = 0;
	for (const char of text) {
		const charWidth = stringWidth(char);
		if (used + charWidth > width) break;
		out += char;
		used += charWidth;
	}

	return out;
}

/** `text` cut to `width` with an ellipsis when it does not fit. */
export function truncateToWidth(text: string, width: number): string {
	if (textWidth(text) <= width) return text;
	if (width <= 1) return sliceToWidth(text, width);
	return `${sliceToWidth(text, width - 1)}…`;
}
