/**
 * The git names worktree mode uses (PRODUCT.md §12): task branches, the branches that keep an
 * earlier attempt's unmerged work, worktree folders. A task id that is not a usable ref component
 * is encoded, reversibly, so a branch name always leads back to its task.
 */

/** Where task branches live: `jetpack/tasks/<encoded id>`. */
export const taskBranchPrefix = 'jetpack/tasks/';

/**
 * Where an earlier attempt's unmerged work is kept: `jetpack/attempts/<encoded id>/<n>`. Not under
 * the task's own branch: git cannot hold `a/b` and `a/b/c` as refs at once.
 */
export const attemptBranchPrefix = 'jetpack/attempts/';

/**
 * Whether `name` is one valid ref path component, as `git check-ref-format` judges it, and holds
 * no `/` (a slash would make folders of task branches, which then clash with one another).
 */
export function isRefComponent(name: string): boolean {
	return (
		name !== '' &&
		!name.startsWith('.') &&
		!name.endsWith('.') &&
		!name.endsWith('.lock') &&
		!name.includes('..') &&
		!name.includes('@{') &&
		// Control characters, space, and what git reserves for revision syntax.
		// eslint-disable-next-line no-control-regex
		!/[\u0000-\u0020\u007f~^:?*[\\/]/.test(name)
	);
}

/** Kept as they are in an encoded id; everything else becomes `%XX` (its UTF-8 bytes). */
const plain = /[A-Za-z0-9_-]/;

/**
 * The ref component for a task id: the id itself when it is one and holds no `%`, else every
 * character outside `[A-Za-z0-9_-]` as `%XX`. An encoded name therefore always holds a `%` and a
 * plain one never does, which is what makes it reversible.
 */
export function encodeTaskId(id: string): string {
	if (id === '') throw new Error('a task id cannot be empty');
	if (isRefComponent(id) && !id.includes('%')) return id;
	let encoded = '';
	for (const character of id) {
		if (plain.test(character)) {
			encoded += character;
			continue;
		}

		for (const byte of new TextEncoder().encode(character))
			encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
	}

	return encoded;
}

/** The task id an encoded ref component stands for. */
export function decodeTaskId(component: string): string {
	return component.includes('%') ? decodeURIComponent(component) : component;
}

export const taskBranch = (taskId: string) => `${taskBranchPrefix}${encodeTaskId(taskId)}`;

export const attemptBranch = (taskId: string, attempt: number) =>
	`${attemptBranchPrefix}${encodeTaskId(taskId)}/${attempt}`;

/** The task a `jetpack/tasks/…` branch belongs to; undefined for any other branch. */
export function taskIdOfBranch(branch: string): string | undefined {
	const name = branch.replace(/^refs\/heads\//, '');
	if (!name.startsWith(taskBranchPrefix)) return undefined;
	const component = name.slice(taskBranchPrefix.length);
	if (component === '' || component.includes('/')) return undefined;
	try {
		return decodeTaskId(component);
	} catch {
		// A `%` sequence we did not write (a branch made by hand): not one of ours.
		return undefined;
	}
}

/** The folder name of an attempt's worktree. */
export const worktreeName = (taskId: string, attempt: number) =>
	`${encodeTaskId(taskId)}-${attempt}`;

/** The integration branch when the config names none: `jetpack/<the branch checked out>`. */
export const defaultIntegrationBranch = (current: string) => `jetpack/${current}`;

/**
 * Why `branch` cannot be the integration branch because of the names worktree mode uses itself,
 * or undefined when it can: it would hold, or sit inside, the task or attempt branches.
 */
export function integrationNameClash(branch: string): string | undefined {
	for (const prefix of [taskBranchPrefix, attemptBranchPrefix]) {
		const folder = prefix.slice(0, -1);
		if (branch === folder || branch.startsWith(prefix) || `${folder}/`.startsWith(`${branch}/`))
			return `${branch} clashes with ${prefix}…, where jetpack-tui keeps its task branches`;
	}

	return undefined;
}
