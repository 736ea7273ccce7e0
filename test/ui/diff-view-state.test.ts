import {describe, expect, it} from 'vitest';
import {ansiSegments, stripAnsi} from '../../source/ui/ansi-segments.js';
import {
	diffHeaderPath,
	diffLineCount,
	diffViewReducer,
	fileAt,
	initialDiffView,
	maxTop,
	parseDiff,
	type DiffDocument,
	type DiffViewAction,
	type DiffViewState,
} from '../../source/ui/diff-view-state.js';
import {sampleDiff} from '../helpers/fake-run.js';

const esc = '\u001B';
const gitDiff = sampleDiff;

describe('ansiSegments', () => {
	it.each([
		['git colours and their reset', `${esc}[31m-b${esc}[m`, [{text: '-b', color: 'red'}]],
		[
			'one style across sequences is one segment',
			`${esc}[32m+${esc}[m${esc}[32mB${esc}[m`,
			[{text: '+B', color: 'green'}],
		],
		['bold meta lines', `${esc}[1mdiff --git${esc}[m`, [{text: 'diff --git', bold: true}]],
		[
			'a whitespace error on a red background',
			`${esc}[32mx${esc}[m${esc}[41m ${esc}[m`,
			[
				{text: 'x', color: 'green'},
				{text: ' ', background: 'red'},
			],
		],
		[
			'256 colours and true colour',
			`${esc}[38;5;196ma${esc}[38;2;1;2;3mb${esc}[38;5;9mc`,
			[
				{text: 'a', color: '#ff0000'},
				{text: 'b', color: '#010203'},
				{text: 'c', color: 'redBright'},
			],
		],
		['tabs to stops of four', `+\tx`, [{text: '+   x'}]],
		[
			'other sequences dropped: a cursor move, a title, a link',
			`a${esc}[2Jb${esc}]0;title\u0007c${esc}]8;;http://x${esc}\\d`,
			[{text: 'abcd'}],
		],
		['a sequence cut at the end of a capped line', `ab${esc}[3`, [{text: 'ab'}]],
		['control characters left for StyledLine to show', `a\u0007b`, [{text: 'a\u0007b'}]],
	])('%s', (_name, line, segments) => {
		expect(ansiSegments(line)).toEqual(segments);
	});

	it('reads what a person reads', () => {
		expect(stripAnsi(`${esc}[1mdiff --git a/x b/x${esc}[m`)).toBe('diff --git a/x b/x');
	});
});

describe('parseDiff', () => {
	it('keeps the lines as git printed them and finds each file', () => {
		const doc = parseDiff(gitDiff);
		expect(doc.lines).toHaveLength(18);
		expect(doc.cut).toBe(0);
		expect(doc.files).toEqual([
			{path: 'one.txt', line: 0},
			{path: 'two words.txt', line: 10},
		]);
		expect(doc.lines[6]).toBe(`${esc}[31m-b${esc}[m`);
	});

	it.each([
		['diff --git a/src/x.ts b/src/x.ts', 'src/x.ts'],
		['diff --git a/old name.ts b/new name.ts', 'new name.ts'],
		[String.raw`diff --git "a/t\303\251.txt" "b/t\303\251.txt"`, String.raw`t\303\251.txt`],
		['diff --cc merged.ts', 'merged.ts'],
		['index 1..2', undefined],
		['+diff --git a/x b/x', undefined],
	])('names the file of %j', (line, path) => {
		expect(diffHeaderPath(line)).toBe(path);
	});

	it('keeps at most maxLines lines and counts the rest without holding them', () => {
		const text = Array.from({length: 25}, (_, i) => `line ${i}`).join('\n');
		const doc = parseDiff(text, {maxLines: 10});
		expect(doc.lines).toHaveLength(10);
		expect(doc.lines.at(-1)).toBe('line 9');
		expect(doc.cut).toBe(15);
		// One more line in the view: the one saying what was cut.
		expect(diffLineCount(doc)).toBe(11);
		expect(parseDiff(`${text}\n`, {maxLines: 10}).cut).toBe(15);
	});

	it('caps a huge line and reads CRLF line ends', () => {
		const doc = parseDiff(`+${'x'.repeat(100)}\r\n-y\r\n`, {maxLineLength: 20});
		expect(doc.lines).toEqual([`+${'x'.repeat(19)}`, '-y']);
	});

	it('reads an empty diff as no lines', () => {
		expect(parseDiff('')).toEqual({lines: [], files: [], cut: 0});
	});

	it('is bounded on the cap it was given, by default 20,000 lines', () => {
		const doc = parseDiff('+x\n'.repeat(30_000));
		expect(doc.lines).toHaveLength(20_000);
		expect(doc.cut).toBe(10_000);
	});
});

describe('fileAt', () => {
	const files = [
		{path: 'a', line: 2},
		{path: 'b', line: 10},
		{path: 'c', line: 30},
	];
	it.each([
		[0, -1],
		[2, 0],
		[9, 0],
		[10, 1],
		[29, 1],
		[31, 2],
	])('line %i is in file %i', (top, file) => {
		expect(fileAt(files, top)).toBe(file);
	});
});

/** Three files of 20 lines each, 60 lines in all. */
function threeFiles(): DiffDocument {
	const lines: string[] = [];
	for (const name of ['a.ts', 'b.ts', 'c.ts']) {
		lines.push(`diff --git a/${name} b/${name}`);
		for (let i = 1; i < 20; i++) lines.push(`+${name} line ${i}`);
	}

	return parseDiff(lines.join('\n'));
}

function run(state: DiffViewState, ...actions: DiffViewAction[]): DiffViewState {
	return actions.reduce(diffViewReducer, state);
}

const loaded = (doc = threeFiles()) => run(initialDiffView, {type: 'loaded', doc});

describe('diffViewReducer', () => {
	it('starts at the top, in the first file', () => {
		const state = loaded();
		expect(state).toMatchObject({top: 0, file: 0, prompt: undefined, busy: undefined});
		expect(state.load.kind).toBe('ready');
	});

	it.each<[string, DiffViewAction[], {top: number; file: number}]>([
		['down', [{type: 'scroll', move: 'down', rows: 10}], {top: 1, file: 0}],
		['up at the top stays', [{type: 'scroll', move: 'up', rows: 10}], {top: 0, file: 0}],
		[
			'a page keeps one line of the last',
			[{type: 'scroll', move: 'pageDown', rows: 10}],
			{top: 9, file: 0},
		],
		[
			'pages into the next file',
			[
				{type: 'scroll', move: 'pageDown', rows: 10},
				{type: 'scroll', move: 'pageDown', rows: 10},
				{type: 'scroll', move: 'pageDown', rows: 10},
			],
			{top: 27, file: 1},
		],
		[
			'bottom: the last line at the bottom',
			[{type: 'scroll', move: 'bottom', rows: 10}],
			{top: 50, file: 2},
		],
		[
			'top again',
			[
				{type: 'scroll', move: 'bottom', rows: 10},
				{type: 'scroll', move: 'top', rows: 10},
			],
			{top: 0, file: 0},
		],
		['n: the next file at the top', [{type: 'nextFile', rows: 10}], {top: 20, file: 1}],
		[
			'n to the last file stops at the end of the diff, in that file',
			[
				{type: 'nextFile', rows: 30},
				{type: 'nextFile', rows: 30},
			],
			{top: 30, file: 2},
		],
		[
			'n after the last file stays',
			[
				{type: 'nextFile', rows: 10},
				{type: 'nextFile', rows: 10},
				{type: 'nextFile', rows: 10},
			],
			{top: 40, file: 2},
		],
		[
			'p from a file start: the file before',
			[
				{type: 'nextFile', rows: 10},
				{type: 'nextFile', rows: 10},
				{type: 'previousFile', rows: 10},
			],
			{top: 20, file: 1},
		],
		[
			'p in the middle of a file: its start',
			[
				{type: 'nextFile', rows: 10},
				{type: 'scroll', move: 'down', rows: 10},
				{type: 'previousFile', rows: 10},
			],
			{top: 20, file: 1},
		],
		[
			'p after n stopped short at the end: the file before that one',
			[
				{type: 'nextFile', rows: 30},
				{type: 'nextFile', rows: 30},
				{type: 'previousFile', rows: 30},
			],
			{top: 20, file: 1},
		],
		['p in the first file stays', [{type: 'previousFile', rows: 10}], {top: 0, file: 0}],
	])('%s', (_name, actions, expected) => {
		expect(run(loaded(), ...actions)).toMatchObject(expected);
	});

	it('returns the same state when a key changes nothing', () => {
		const state = loaded();
		expect(diffViewReducer(state, {type: 'scroll', move: 'up', rows: 10})).toBe(state);
		expect(diffViewReducer(state, {type: 'previousFile', rows: 10})).toBe(state);
		expect(diffViewReducer(state, {type: 'cancel'})).toBe(state);
		const last = run(state, {type: 'nextFile', rows: 10}, {type: 'nextFile', rows: 10});
		expect(diffViewReducer(last, {type: 'nextFile', rows: 10})).toBe(last);
	});

	it('scrolls nothing before the diff has come, or when it could not be read', () => {
		expect(diffViewReducer(initialDiffView, {type: 'scroll', move: 'down', rows: 5})).toBe(
			initialDiffView,
		);
		const failed = run(initialDiffView, {type: 'failed', message: 'no branch'});
		expect(failed.load).toEqual({kind: 'failed', message: 'no branch'});
		expect(diffViewReducer(failed, {type: 'nextFile', rows: 5})).toBe(failed);
	});

	it('scrolls a diff shorter than the view nowhere', () => {
		const short = loaded(parseDiff('diff --git a/x b/x\n+1\n'));
		expect(maxTop(parseDiff('+1\n+2\n'), 10)).toBe(0);
		expect(diffViewReducer(short, {type: 'scroll', move: 'bottom', rows: 10})).toBe(short);
	});

	it('scrolls through the line that says what was cut', () => {
		const doc = parseDiff('+x\n'.repeat(30), {maxLines: 20});
		expect(run(loaded(doc), {type: 'scroll', move: 'bottom', rows: 5}).top).toBe(16);
	});

	it('asks before accepting; a reason refused keeps the reject prompt; an answer ends the wait', () => {
		const state = loaded();
		expect(run(state, {type: 'ask', prompt: 'accept'}).prompt).toEqual({kind: 'accept'});
		expect(run(state, {type: 'ask', prompt: 'accept'}, {type: 'cancel'}).prompt).toBeUndefined();
		const refused = run(
			state,
			{type: 'ask', prompt: 'reject'},
			{type: 'rejectProblem', problem: 'Give a reason'},
		);
		expect(refused.prompt).toEqual({kind: 'reject', problem: 'Give a reason'});
		const sent = run(refused, {type: 'send', what: 'reject'});
		expect(sent).toMatchObject({prompt: undefined, busy: 'reject'});
		expect(run(sent, {type: 'answered'}).busy).toBeUndefined();
	});
});
