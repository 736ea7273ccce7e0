import {describe, expect, it} from 'vitest';
import {
	colorWanted,
	minutesText,
	oneLine,
	painter,
	printable,
	statusLabel,
	truncate,
} from '../../source/text/format.js';

describe('text for a terminal', () => {
	it.each([
		['plain title', 'plain title'],
		['clear \u001B[2J screen', 'clear ^[[2J screen'],
		['bell\u0007', 'bell^G'],
		['del\u007F', 'del^?'],
		['c1 \u009B', 'c1 \\u009b'],
		['tab\tand\nnewline stay', 'tab\tand\nnewline stay'],
	])('printable(%j) is %j', (text, shown) => {
		expect(printable(text)).toBe(shown);
	});

	it.each([
		['two\n\nlines\tand  tabs', 'two lines and tabs'],
		['escape \u001B]0;title\u0007', 'escape ^[]0;title^G'],
	])('oneLine(%j) is %j', (text, shown) => {
		expect(oneLine(text)).toBe(shown);
	});

	it.each([
		[0, '0 min'],
		[44.6, '45 min'],
		[59.4, '59 min'],
		[60, '1 h'],
		[90, '1 h 30 min'],
		[425, '7 h 5 min'],
	])('minutesText(%d) is %j', (minutes, text) => {
		expect(minutesText(minutes)).toBe(text);
	});

	it.each([
		['short', 10, 'short'],
		['a longer title', 8, 'a longe…'],
		['ab', 1, 'a'],
	])('truncate(%j, %d) is %j', (text, width, shown) => {
		expect(truncate(text, width)).toBe(shown);
	});

	it('paints only when colour is wanted', () => {
		expect(statusLabel('failed', painter(false))).toBe('✗ failed');
		expect(statusLabel('failed', painter(true))).toBe('\u001B[31m✗ failed\u001B[39m');
	});

	it.each([
		[{isTTY: true}, {TERM: 'xterm'}, true],
		[{isTTY: true}, {TERM: 'dumb'}, false],
		[{isTTY: true}, {NO_COLOR: '1'}, false],
		[{isTTY: false}, {FORCE_COLOR: '1'}, true],
		[{isTTY: true}, {FORCE_COLOR: '0'}, false],
		[{}, {}, false],
	])('colorWanted(%j, %j) is %s', (stream, env, wanted) => {
		expect(colorWanted(stream, env)).toBe(wanted);
	});
});
