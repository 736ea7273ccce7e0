import {describe, expect, it} from 'vitest';
import {dependencyNotesInPrompt, buildPrompt} from '../../source/core/prompt.js';
import {newTask, type Task, type TaskTable} from '../../source/core/task.js';

const table = (...tasks: Task[]): TaskTable => new Map(tasks.map((t) => [t.id, t]));
const done = (id: string, notes: string[]) =>
	newTask({id, title: `make ${id}`, status: 'completed', notes});
const me = (...dependencies: string[]) => newTask({id: 'bd-me', title: 'use them', dependencies});

describe('a prompt with notes and learnings', () => {
	it("carries each completed dependency's notes under it, later lines indented", () => {
		const prompt = buildPrompt(
			me('bd-db', 'bd-api'),
			table(done('bd-db', ['The DB listens on 5433\nnot 5432']), done('bd-api', [])),
		);
		expect(prompt).toContain(
			'- bd-db: make bd-db\n  Note: The DB listens on 5433\n    not 5432\n- bd-api: make bd-api\n',
		);
	});

	it('leaves out the notes of a dependency not completed', () => {
		const open = {...done('bd-db', ['secret']), status: 'failed' as const};
		expect(buildPrompt(me('bd-db'), table(open))).not.toContain('secret');
	});

	it('carries the newest notes of each dependency, cut, and says where the rest are', () => {
		const notes = ['n1', 'n2', 'n3', 'x'.repeat(dependencyNotesInPrompt.noteChars + 50)];
		const prompt = buildPrompt(me('bd-db'), table(done('bd-db', notes)));
		expect(prompt).not.toContain('Note: n1');
		expect(prompt).toContain('  Note: n2\n  Note: n3\n');
		expect(prompt).toContain(`  Note: ${'x'.repeat(dependencyNotesInPrompt.noteChars - 1)}…\n`);
		expect(prompt).toContain('  (1 more: `"$JETPACK_CLI" task show bd-db`)');
	});

	it('bounds the notes of all dependencies together', () => {
		const big = 'y'.repeat(dependencyNotesInPrompt.noteChars);
		const deps = Array.from({length: 12}, (_, index) => done(`bd-d${index}`, [big, big, big]));
		const prompt = buildPrompt(me(...deps.map((dep) => dep.id)), table(...deps));
		const told = prompt.split('\n').filter((line) => line.startsWith('  Note: '));
		expect(told.join('').length).toBeLessThanOrEqual(
			dependencyNotesInPrompt.chars + told.length * '  Note: '.length,
		);
		expect(told.length).toBeGreaterThan(0);
		expect(prompt).toContain('more: `"$JETPACK_CLI" task show bd-d11`');
	});

	it('keeps the newest notes of a dependency when the room runs out', () => {
		const big = 'z'.repeat(dependencyNotesInPrompt.noteChars);
		const fill = Array.from({length: 7}, (_, index) => done(`bd-f${index}`, [big]));
		const last = done('bd-last', ['older', 'y'.repeat(dependencyNotesInPrompt.noteChars - 1)]);
		const deps = [...fill, last];
		const prompt = buildPrompt(me(...deps.map((dep) => dep.id)), table(...deps));
		expect(prompt).toContain(`- bd-last: make bd-last\n  Note: ${'y'.repeat(499)}\n  (1 more:`);
	});

	it('carries the newest learnings, most recent last, before how to report', () => {
		const learnings = Array.from(
			{length: 12},
			(_, index) => `2026-11-2${index % 10}: lesson ${index}`,
		);
		const prompt = buildPrompt(me(), table(), {learnings});
		expect(prompt).toContain('Learned in this repository by earlier tasks (most recent last):');
		expect(prompt).not.toContain('lesson 1\n');
		expect(prompt).toContain('- 2026-11-22: lesson 2\n');
		expect(prompt.indexOf('lesson 11')).toBeLessThan(prompt.indexOf('Work in this repository'));
	});

	it('says nothing of learnings when there are none, and always asks for a note', () => {
		const prompt = buildPrompt(me(), table());
		expect(prompt).not.toContain('Learned in this repository');
		expect(prompt).toContain('`"$JETPACK_CLI" task done bd-me --note "what you learned"`');
		expect(prompt).toContain('`"$JETPACK_CLI" learn "what you learned"`');
	});
});
