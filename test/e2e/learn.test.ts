/** `learn` and `task done --note` as a person runs them: the built CLI on a real store. */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {repoWith, tempRepo} from '../helpers/temp-repo.js';

describe('jetpack-tui learn', () => {
	it('appends dated entries and lists the ones prompts carry', async () => {
		const cwd = await tempRepo();
		const empty = await runCli(['learn'], {cwd});
		expect(empty).toMatchObject({code: 0, stdout: ''});
		expect(empty.stderr).toBe(
			'jetpack-tui: no learnings in .jetpack/learnings.md yet; add one with `jetpack-tui learn "TEXT"`.\n',
		);

		const added = await runCli(['learn', 'Tests need Postgres: npm run db'], {cwd});
		expect(added).toMatchObject({
			code: 0,
			stdout: 'Added to .jetpack/learnings.md; its newest 10 entries go into every prompt.\n',
		});
		await runCli(['learn', 'Two\nlines'], {cwd});
		// The day each was written, whatever it is (a test may run across midnight).
		const undated = (text: string) => text.replaceAll(/\d{4}-\d{2}-\d{2}: /g, 'DAY: ');
		expect(undated(readFileSync(path.join(cwd, '.jetpack', 'learnings.md'), 'utf8'))).toContain(
			'- DAY: Tests need Postgres: npm run db\n- DAY: Two\n  lines\n',
		);
		expect(undated((await runCli(['learn'], {cwd})).stdout)).toBe(
			'- DAY: Tests need Postgres: npm run db\n- DAY: Two\n  lines\n',
		);
		expect(JSON.parse(undated((await runCli(['learn', '--json'], {cwd})).stdout))).toEqual([
			'DAY: Tests need Postgres: npm run db',
			'DAY: Two\nlines',
		]);
	});

	it('refuses an empty learning in one sentence, exit 2', async () => {
		const cwd = await tempRepo();
		expect(await runCli(['learn', '  '], {cwd})).toEqual({
			code: 2,
			stdout: '',
			stderr: 'jetpack-tui: The learning is empty; say what the next task should know.\n',
		});
	});
});

describe('jetpack-tui task done --note', () => {
	it('keeps the note on the task, shown by task show and its JSON', async () => {
		const cwd = await repoWith([{id: 'bd-a', title: 'Make the table'}]);
		expect(
			await runCli(['task', 'done', 'bd-a', '--note', 'The DB listens on 5433'], {cwd}),
		).toMatchObject({code: 0, stdout: 'bd-a completed.\n'});
		expect((await runCli(['task', 'show', 'bd-a'], {cwd})).stdout).toContain(
			'  notes\n    - The DB listens on 5433\n',
		);
		const shown = JSON.parse((await runCli(['task', 'show', 'bd-a', '--json'], {cwd})).stdout);
		expect(shown.notes).toEqual(['The DB listens on 5433']);
	});
});
