import {describe, expect, it} from 'vitest';
import {editText} from '../../source/ui/components/text-field.js';
import {noKey} from '../helpers/ink.js';

const none = noKey;

describe('editText', () => {
	it.each([
		['types at the cursor', {value: 'ac', cursor: 1}, 'b', {}, {value: 'abc', cursor: 2}],
		['takes a run at once', {value: '', cursor: 0}, 'task:', {}, {value: 'task:', cursor: 5}],
		['moves left', {value: 'ab', cursor: 2}, '', {leftArrow: true}, {value: 'ab', cursor: 1}],
		[
			'stops at the start',
			{value: 'ab', cursor: 0},
			'',
			{leftArrow: true},
			{value: 'ab', cursor: 0},
		],
		[
			'stops at the end',
			{value: 'ab', cursor: 2},
			'',
			{rightArrow: true},
			{value: 'ab', cursor: 2},
		],
		[
			'deletes before the cursor',
			{value: 'abc', cursor: 2},
			'',
			{backspace: true},
			{value: 'ac', cursor: 1},
		],
		[
			'treats delete as backspace',
			{value: 'abc', cursor: 3},
			'',
			{delete: true},
			{value: 'ab', cursor: 2},
		],
		[
			'deletes nothing at the start',
			{value: 'ab', cursor: 0},
			'',
			{backspace: true},
			{value: 'ab', cursor: 0},
		],
		[
			'leaves arrows up and down to the view',
			{value: 'a', cursor: 1},
			'',
			{upArrow: true},
			undefined,
		],
		['leaves esc to the view', {value: 'a', cursor: 1}, '', {escape: true}, undefined],
		['leaves ctrl keys to the app', {value: 'a', cursor: 1}, 'x', {ctrl: true}, undefined],
		['leaves tab to the form', {value: 'a', cursor: 1}, '', {tab: true}, undefined],
		['goes to the start', {value: 'abc', cursor: 2}, '', {home: true}, {value: 'abc', cursor: 0}],
		['goes to the end', {value: 'abc', cursor: 1}, '', {end: true}, {value: 'abc', cursor: 3}],
		[
			'drops the control characters of a paste',
			{value: '', cursor: 0},
			'a\u0007b\r\nc\u001B[31m',
			{},
			{value: 'abc[31m', cursor: 7},
		],
		['takes a lone control character as nothing', {value: 'a', cursor: 1}, '\u0000', {}, undefined],
	] as const)('%s', (_name, edit, input, key, expected) => {
		expect(editText(edit, input, {...none, ...key})).toEqual(expected);
	});
});
