import {cleanup, render} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {StyledLine, styledText} from '../../source/ui/components/styled-line.js';
import {textWidth} from '../../source/ui/text-width.js';
import {plain} from '../helpers/ink.js';

afterEach(() => {
	cleanup();
});

describe('styled lines', () => {
	it('styles each segment and resets after it', () => {
		expect(styledText([{text: 'ok', color: 'green', bold: true}, {text: ' plain'}], 20)).toBe(
			'\u001B[1;32mok\u001B[0m plain',
		);
		expect(styledText([{text: 'dim', color: 'gray'}], 20)).toBe('\u001B[90mdim\u001B[0m');
	});

	it('never runs past its width, cutting at whole wide characters', () => {
		const line = styledText([{text: '✓ bd-1 '}, {text: '日本語のタイトル', color: 'cyan'}], 12);
		expect(textWidth(line.replaceAll(/\u001B\[[\d;]*m/g, ''))).toBeLessThanOrEqual(12);
		expect(line).toContain('日本');
		expect(line).not.toContain('語の');
	});

	it('shows control characters in its text instead of sending them to the terminal', () => {
		const line = styledText([{text: 'evil \u001B[2J title\u0007'}], 40);
		expect(line).toBe('evil ^[[2J title^G');
	});

	it('fills a selected (inverse) line to the edge', () => {
		expect(styledText([{text: 'row'}], 6, {inverse: true})).toBe(
			'\u001B[7mrow\u001B[0m\u001B[7m   \u001B[0m',
		);
	});

	it('draws as one row of its width in Ink', () => {
		const rendered = render(
			<StyledLine
				segments={[
					{text: 'hello ', bold: true},
					{text: 'world', color: 'red'},
				]}
				width={8}
			/>,
		);
		expect(plain(rendered)).toBe('hello wo');
		expect(rendered.lastFrame()).toContain('\u001B[31m');
	});
});
