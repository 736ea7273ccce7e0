/**
 * What an agent is told (PRODUCT.md §4): the task, its description, what its completed
 * dependencies were, and how to report back.
 */
import type {Task, TaskTable} from './task.js';

const maxDependencyNotes = 12;

/**
 * `previousBranch`: where an earlier attempt's work was kept (worktree mode: it conflicted, or a
 * person rejected it), for the agent to reuse.
 */
export function buildPrompt(task: Task, tasks: TaskTable, previousBranch?: string): string {
	const lines = [`You are working on task ${task.id}: ${task.title}`];
	if (task.description.trim() !== '') lines.push('', task.description.trim());
	const done = task.dependencies
		.map((id) => tasks.get(id))
		.filter((dep): dep is Task => dep?.status === 'completed');
	if (done.length > 0) {
		lines.push('', 'Already done before this task (you can build on it):');
		for (const dep of done.slice(0, maxDependencyNotes)) {
			const note = dep.description.trim().split('\n')[0] ?? '';
			lines.push(`- ${dep.id}: ${dep.title}${note === '' ? '' : ` (${note.slice(0, 200)})`}`);
		}

		if (done.length > maxDependencyNotes)
			lines.push(`- and ${done.length - maxDependencyNotes} more`);
	}

	// Also with no retry spent (a rejection in review, a usage limit): what went wrong, or what a
	// person said of the work, is what the next attempt most needs to hear.
	if (task.attempts.length > 0 && task.lastError !== undefined && task.lastError.trim() !== '') {
		const said = task.lastError.slice(0, 500);
		lines.push(
			'',
			task.failureType === undefined
				? `An earlier attempt was sent back: ${said}`
				: `An earlier attempt failed (${task.failureType}): ${said}`,
		);
	}

	if (previousBranch !== undefined)
		lines.push(
			'',
			`The previous attempt's work is on git branch ${previousBranch}: reuse what is right in it (for example \`git diff HEAD...${previousBranch}\`, \`git cherry-pick\`).`,
		);

	lines.push(
		'',
		`Work in this repository. When the task is done, finish (exit with status 0), or report it with \`"$JETPACK_CLI" task done ${task.id}\` (a shell command; JETPACK_CLI is set in your environment). If you cannot do it, report \`"$JETPACK_CLI" task fail ${task.id} --reason "why"\` or exit with a non-zero status.`,
	);
	return lines.join('\n');
}
