/**
 * Task branch names (PRODUCT.md §12): an id that is a valid ref component stays as it is, any
 * other is encoded so that the branch leads back to its task.
 */
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {
	attemptBranch,
	decodeTaskId,
	encodeTaskId,
	integrationNameClash,
	isRefComponent,
	taskBranch,
	taskIdOfBranch,
	worktreeName,
} from '../../source/core/branch-names.js';

describe('encodeTaskId', () => {
	it.each([
		['bd-a1b2', 'bd-a1b2'],
		['bd-x.1', 'bd-x.1'],
		['UPPER_case-9', 'UPPER_case-9'],
		['ends.lock', 'ends%2Elock'],
		['two..dots', 'two%2E%2Edots'],
		['trailing.', 'trailing%2E'],
		['.leading', '%2Eleading'],
		['@', '@'],
		['déjà', 'déjà'],
		['déjà vu', 'd%C3%A9j%C3%A0%20vu'],
		['a@{b', 'a%40%7Bb'],
		['has space', 'has%20space'],
		['a/b', 'a%2Fb'],
		['x:y~z^w?*[\\', 'x%3Ay%7Ez%5Ew%3F%2A%5B%5C'],
		['50%', '50%25'],
		['tab\there', 'tab%09here'],
	])('%j → %j', (id, encoded) => {
		expect(encodeTaskId(id)).toBe(encoded);
		expect(decodeTaskId(encoded)).toBe(id);
		expect(isRefComponent(encoded)).toBe(true);
	});

	it('is reversible and always gives a valid ref component', () => {
		fc.assert(
			fc.property(fc.string({minLength: 1, unit: 'binary'}), (id) => {
				const encoded = encodeTaskId(id);
				expect(isRefComponent(encoded)).toBe(true);
				expect(decodeTaskId(encoded)).toBe(id);
			}),
		);
	});

	it('refuses an empty id', () => {
		expect(() => encodeTaskId('')).toThrow(/cannot be empty/);
	});
});

describe('branch names', () => {
	it.each([
		['bd-1', 'jetpack/tasks/bd-1', 'jetpack/attempts/bd-1/2', 'bd-1-3'],
		['a b', 'jetpack/tasks/a%20b', 'jetpack/attempts/a%20b/2', 'a%20b-3'],
	])('%j: task branch, kept attempt, worktree folder', (id, task, kept, folder) => {
		expect(taskBranch(id)).toBe(task);
		expect(attemptBranch(id, 2)).toBe(kept);
		expect(worktreeName(id, 3)).toBe(folder);
	});

	it.each([
		['jetpack/tasks/bd-1', 'bd-1'],
		['refs/heads/jetpack/tasks/a%2Fb', 'a/b'],
		['jetpack/tasks/', undefined],
		['jetpack/tasks/a/b', undefined],
		['jetpack/tasks/bad%ZZ', undefined],
		['jetpack/main', undefined],
		['jetpack/attempts/bd-1/1', undefined],
	])('the task of %j is %j', (branch, id) => {
		expect(taskIdOfBranch(branch)).toBe(id);
	});

	it.each([
		['jetpack/main', false],
		['overnight', false],
		['jetpack/tasksmith', false],
		['jetpack', true],
		['jetpack/tasks', true],
		['jetpack/tasks/x', true],
		['jetpack/attempts', true],
		['jetpack/attempts/x/1', true],
	])('integration branch %j clashes with task branches: %j', (branch, clashes) => {
		expect(integrationNameClash(branch) !== undefined).toBe(clashes);
	});
});
