import {describe, expect, it} from 'vitest';
import {parseStore, serializeStore, serializeStoreBytes} from '../../source/core/store-format.js';
import {newTask, taskToJsonLine} from '../../source/core/task.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const line = (id: string) => taskToJsonLine(newTask({id, title: `task ${id}`}));

describe('parseStore', () => {
	it('reads one task per line, skipping blank lines', () => {
		const result = parseStore(bytes(`${line('b')}\n\n${line('a')}\n`));
		expect(result.kind === 'ok' && [...result.table.keys()]).toEqual(['b', 'a']);
	});

	it('accepts a last line without newline when it parses', () => {
		expect(parseStore(bytes(line('a'))).kind).toBe('ok');
	});

	it.each([
		['empty', bytes(''), /empty/],
		['blank lines only', bytes('\n \n'), /blank/],
		['a NUL byte', Buffer.from([0x7b, 0x00, 0x7d, 0x0a]), /NUL/],
		[
			'a last line cut mid-character',
			Buffer.concat([bytes('{"id":"a","title":"caf'), Buffer.from([0xc3])]),
			/last line \(1\) was cut short/,
		],
	])('calls %s damage', (_name, input, reason) => {
		const result = parseStore(input);
		expect(result.kind).toBe('damaged');
		expect(result.kind === 'damaged' && result.reason).toMatch(reason);
	});

	it('calls a cut-short last line damage and keeps what could be read', () => {
		const result = parseStore(bytes(`${line('a')}\n${line('b').slice(0, 20)}`));
		expect(result.kind).toBe('damaged');
		expect(result.kind === 'damaged' && result.reason).toBe('the last line (2) was cut short');
		expect(result.kind === 'damaged' && [...result.readable.keys()]).toEqual(['a']);
	});

	it('calls bytes that are not UTF-8 on a finished line a mistake, with its number', () => {
		const input = Buffer.concat([
			bytes(`${line('a')}\n{"id":"b","title":"`),
			Buffer.from([0xff]),
			bytes('"}\n'),
		]);
		expect(parseStore(input)).toEqual({
			kind: 'mistake',
			conflict: false,
			problems: [{line: 2, message: 'holds bytes that are not UTF-8 text; save the file as UTF-8'}],
		});
	});

	it('calls a bad line in the middle a mistake, with its number', () => {
		const result = parseStore(bytes(`${line('a')}\n{oops\n${line('b')}\n`));
		expect(result).toMatchObject({kind: 'mistake', conflict: false, problems: [{line: 2}]});
	});

	it('calls a bad last line that ends with a newline a mistake', () => {
		expect(parseStore(bytes(`${line('a')}\n{oops\n`)).kind).toBe('mistake');
	});

	it('lists every schema problem with line and field', () => {
		const result = parseStore(bytes(`{"id":"a","title":"t","priority":"x"}\n{"id":"b"}\n`));
		expect(result.kind === 'mistake' && result.problems.map((p) => `${p.line}:${p.field}`)).toEqual(
			['1:priority', '2:title'],
		);
	});

	it.each(['<<<<<<< HEAD', '=======', '>>>>>>> feature/x'])(
		'reports the conflict marker %s on its own',
		(marker) => {
			const result = parseStore(bytes(`${line('a')}\n${marker}\n${line('b')}\n`));
			expect(result).toEqual({
				kind: 'mistake',
				conflict: true,
				problems: [{line: 2, message: 'holds a git merge conflict marker'}],
			});
		},
	);
});

describe('repeated ids', () => {
	it('name the line each repeats, for ids first seen before and after the first repeat', () => {
		const result = parseStore(
			bytes([line('a'), line('a'), line('b'), line('b')].join('\n') + '\n'),
		);
		expect(result.kind === 'mistake' && result.problems.map((p) => p.message)).toEqual([
			'repeats "a" from line 1; ids must be unique',
			'repeats "b" from line 3; ids must be unique',
		]);
	});

	it('are listed in line order among the other problems', () => {
		const bad = JSON.stringify({id: 'c', title: ''});
		const result = parseStore(bytes([line('a'), bad, line('a'), bad, line('a')].join('\n') + '\n'));
		expect(result.kind === 'mistake' && result.problems).toEqual([
			{line: 2, field: 'title', message: 'must be a non-empty string (got "")'},
			{line: 3, field: 'id', message: 'repeats "a" from line 1; ids must be unique'},
			{line: 4, field: 'title', message: 'must be a non-empty string (got "")'},
			{line: 5, field: 'id', message: 'repeats "a" from line 1; ids must be unique'},
		]);
	});

	it('are each named once in a store that is nearly all repeats', () => {
		const lines = Array.from({length: 50_000}, (_, i) => line(i % 2 === 0 ? 'a' : `b${i}`));
		const result = parseStore(bytes(lines.join('\n') + '\n'));
		expect(result.kind === 'mistake' && result.problems.length).toBe(24_999);
		expect(result.kind === 'mistake' && result.problems.at(-1)).toEqual({
			line: 49_999,
			field: 'id',
			message: 'repeats "a" from line 1; ids must be unique',
		});
	});
});

describe('serializeStore', () => {
	it('sorts by id by code unit and ends every line with a newline', () => {
		const table = new Map([
			['b', newTask({id: 'b', title: 'b'})],
			['B', newTask({id: 'B', title: 'B'})],
			['a', newTask({id: 'a', title: 'a'})],
		]);
		const text = serializeStore(table);
		expect(
			text.split('\n').map((l) => (l === '' ? '' : (JSON.parse(l) as {id: string}).id)),
		).toEqual(['B', 'a', 'b', '']);
	});

	it('writes an empty store as an empty file', () => {
		expect(serializeStore(new Map())).toBe('');
	});

	describe('into a buffer the caller keeps', () => {
		const table = (titles: readonly string[]) =>
			new Map(titles.map((title, i) => [`t${i}`, newTask({id: `t${i}`, title})]));
		const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

		it('writes into the buffer given when the file fits, as a view of it', () => {
			const tasks = table(['one', 'two', 'three']);
			const into = new Uint8Array(4096);
			const bytes = serializeStoreBytes(tasks, into);
			expect(bytes.buffer).toBe(into.buffer);
			expect(decode(bytes)).toBe(serializeStore(tasks));
		});

		it('grows past a buffer the characters outgrow, and keeps every byte', () => {
			// 'é' and '漢' are wider in UTF-8 than in UTF-16, so the first estimate falls short.
			const tasks = table(['é'.repeat(3000), '漢'.repeat(5000), 'plain', '😀'.repeat(700)]);
			const into = new Uint8Array(new TextEncoder().encode(serializeStore(tasks)).length - 10);
			const bytes = serializeStoreBytes(tasks, into);
			expect(bytes.buffer).not.toBe(into.buffer);
			expect(decode(bytes)).toBe(serializeStore(tasks));
			expect(parseStore(bytes)).toMatchObject({kind: 'ok'});
		});

		it('lets go of a buffer far larger than the file', () => {
			const into = new Uint8Array(8 << 20);
			const bytes = serializeStoreBytes(table(['small']), into);
			expect(bytes.buffer).not.toBe(into.buffer);
			expect(decode(bytes)).toBe(serializeStore(table(['small'])));
		});
	});
});
