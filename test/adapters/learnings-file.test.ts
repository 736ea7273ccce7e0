import {appendFileSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {
	appendLearning,
	learningsPath,
	readLearnings,
} from '../../source/adapters/learnings-file.js';
import {learningsHeading, learningsTailBytes} from '../../source/core/learnings.js';
import {tempRepo} from '../helpers/temp-repo.js';

const now = new Date('2026-11-23T10:00:00Z');

describe('the learnings file', () => {
	it('is created with a heading by the first learning, and read back entry by entry', async () => {
		const dir = await tempRepo();
		expect(await readLearnings(dir)).toEqual([]);
		await appendLearning(dir, 'one', now);
		await appendLearning(dir, 'two\nlines', now);
		expect(readFileSync(learningsPath(dir), 'utf8')).toBe(
			`${learningsHeading}- 2026-11-23: one\n- 2026-11-23: two\n  lines\n`,
		);
		expect(await readLearnings(dir)).toEqual(['2026-11-23: one', '2026-11-23: two\nlines']);
	});

	it('starts a new line after a file edited by hand that lacks its last newline', async () => {
		const dir = await tempRepo();
		mkdirSync(path.join(dir, '.jetpack'));
		writeFileSync(learningsPath(dir), '# Ours\n\n- by hand');
		await appendLearning(dir, 'by learn', now);
		expect(await readLearnings(dir)).toEqual(['by hand', '2026-11-23: by learn']);
	});

	it('reads only the end of a long file, never a cut entry as a whole one', async () => {
		const dir = await tempRepo();
		await appendLearning(dir, 'the oldest', now);
		const filler = `- ${'x'.repeat(98)}\n`;
		appendFileSync(learningsPath(dir), filler.repeat(Math.ceil((2 * learningsTailBytes) / 100)));
		// Put the file's cut inside an entry's continuation line that looks like an item.
		appendFileSync(learningsPath(dir), `- first line\n  - not an item of its own\n`);
		await appendLearning(dir, 'the newest', now);
		const entries = await readLearnings(dir);
		expect(entries).not.toContain('the oldest');
		expect(entries.at(-1)).toBe('2026-11-23: the newest');
		expect(entries.at(-2)).toBe('first line\n- not an item of its own');
		expect(entries.length).toBeLessThanOrEqual(learningsTailBytes / 100 + 1);
	});

	it('says in one sentence when .jetpack is in the way', async () => {
		const dir = await tempRepo();
		writeFileSync(path.join(dir, '.jetpack'), 'a file');
		await expect(appendLearning(dir, 'x', now)).rejects.toThrow(/in the way/);
	});
});
