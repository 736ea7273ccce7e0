import {describe, expect, it} from 'vitest';
import {
	learningEntry,
	learningsHeading,
	learningsInPrompt,
	parseLearnings,
	recentLearnings,
} from '../../source/core/learnings.js';

const now = new Date('2026-11-23T10:00:00Z');

describe('learnings', () => {
	it('writes a dated entry, later lines indented under it, and reads it back', () => {
		const entry = learningEntry(
			'  Tests need Postgres\nstart it with `npm run db`\n\n  done ',
			now,
		);
		expect(entry).toBe(
			'- 2026-11-23: Tests need Postgres\n  start it with `npm run db`\n\n    done\n',
		);
		expect(parseLearnings(learningsHeading + entry)).toEqual([
			'2026-11-23: Tests need Postgres\nstart it with `npm run db`\ndone',
		]);
	});

	it.each<[string, string, string[]]>([
		['no file content', '', []],
		['a title and text before any item', '# Mine\n\nsome words\n', []],
		[
			'items written by hand, in any list style',
			'* one\n+ two\n1. three\n2) four\n',
			['one', 'two', 'three', 'four'],
		],
		[
			'text under an item, belonging to it',
			'- one\nmore of one\n\n- two\n',
			['one\nmore of one', 'two'],
		],
		['an empty item', '- \n- two\n', ['two']],
		['CRLF line ends', '- one\r\n- two\r\n', ['one', 'two']],
	])('reads %s', (_name, text, entries) => {
		expect(parseLearnings(text)).toEqual(entries);
	});

	it('tells prompts the newest entries that fit, oldest of them first', () => {
		const entries = Array.from({length: 30}, (_, index) => `entry ${index}`);
		expect(recentLearnings(entries)).toEqual(entries.slice(-learningsInPrompt.entries));
		expect(recentLearnings([])).toEqual([]);
	});

	it('cuts a long entry and stops before the characters run out', () => {
		const long = 'x'.repeat(learningsInPrompt.entryChars * 3);
		const told = recentLearnings(Array.from({length: 10}, () => long));
		expect(told.every((entry) => entry.length === learningsInPrompt.entryChars)).toBe(true);
		expect(told.at(-1)?.endsWith('…')).toBe(true);
		expect(told.join('').length).toBeLessThanOrEqual(learningsInPrompt.chars);
		expect(told.length).toBe(Math.floor(learningsInPrompt.chars / learningsInPrompt.entryChars));
	});
});
