/** Terminal output as log text: what the screen showed, in plain words. */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {PlainText} from '../../source/adapters/plain-text.js';

const plain = (...chunks: string[]) => {
	const text = new PlainText();
	return chunks.map((chunk) => text.push(chunk)).join('') + text.flush();
};

describe('terminal output as log text', () => {
	it.each([
		['colours stripped', '\u001B[31mred\u001B[0m text\n', 'red text\n'],
		['a sequence split across chunks', ['a\u001B[3', '1mb\n'], 'ab\n'],
		['carriage returns end lines', 'one\rtwo\r\n', 'one\ntwo\n'],
		['cursor forward is spaces', 'Enter\u001B[1Cto\u001B[3Cconfirm\n', 'Enter to   confirm\n'],
		['cursor to a column is the spaces up to it', 'ab\u001B[6Gcd\n', 'ab   cd\n'],
		['cursor back to the start of the line is a new line', 'abc\u001B[Gdef\n', 'abc\ndef\n'],
		['cursor up or down ends the line', 'one\u001B[1Atwo\u001B[2Bthree\n', 'one\ntwo\nthree\n'],
		['a position is a new line and the spaces to its column', 'x\u001B[3;4Hy\n', 'x\n   y\n'],
		['a huge jump is bounded', 'a\u001B[9999Cb', `a${' '.repeat(400)}b`],
	])('%s', (_name, input, expected) => {
		expect(plain(...(typeof input === 'string' ? [input] : input))).toBe(expected);
	});

	it('reads claude’s trust dialog, which places every word by column, with its spaces', () => {
		const raw = readFileSync(
			path.join(import.meta.dirname, '..', 'fixtures', 'clis', 'claude', 'trust.raw'),
			'latin1',
		);
		const text = plain(Buffer.from(raw, 'latin1').toString('utf8'));
		expect(text).toContain('Quick safety check: Is this a project you created or one you trust?');
		expect(text).toContain('Enter to confirm · Esc to cancel');
	});
});
