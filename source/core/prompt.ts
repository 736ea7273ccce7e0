/**
 * What an agent is told (PRODUCT.md §4, §16): the task, its description, what its completed
 * dependencies were and what was learned doing them, the repository's recent learnings, and how
 * to report back.
 */
import {cut, recentLearnings} from './learnings.js';
import type {Task, TaskTable} from './task.js';

const maxDependencyNotes = 12;
/** Of each dependency, its newest notes; of all of them together, at most so many characters. */
export const dependencyNotesInPrompt = {perTask: 3, noteChars: 500, chars: 4000} as const;

export interface PromptContext {
	/**
	 * Where an earlier attempt's work was kept (worktree mode: it conflicted, or a person rejected
	 * it), for the agent to reuse.
	 */
	readonly previousBranch?: string;
	/** The entries of `.jetpack/learnings.md`, oldest first; the newest that fit are told. */
	readonly learnings?: readonly string[];
}

export function buildPrompt(task: Task, tasks: TaskTable, context: PromptContext = {}): string {
	const {previousBranch, learnings = []} = context;
	const lines = [`You are working on task ${task.id}: ${task.title}`];
	if (task.description.trim() !== '') lines.push('', task.description.trim());
	const done = task.dependencies
		.map((id) => tasks.get(id))
		.filter((dep): dep is Task => dep?.status === 'completed');
	if (done.length > 0) {
		lines.push('', 'Already done before this task (you can build on it):');
		let noteChars = 0;
		for (const dep of done.slice(0, maxDependencyNotes)) {
			const note = dep.description.trim().split('\n')[0] ?? '';
			lines.push(`- ${dep.id}: ${dep.title}${note === '' ? '' : ` (${note.slice(0, 200)})`}`);
			const {perTask, noteChars: each, chars} = dependencyNotesInPrompt;
			// Newest first while the room lasts, then told oldest first.
			const told: string[] = [];
			for (const text of dep.notes.slice(-perTask).reverse()) {
				const note = cut(text, each);
				if (noteChars + note.length > chars) break;
				noteChars += note.length;
				told.unshift(note);
			}

			for (const note of told) lines.push(indented(`  Note: ${note}`));
			const left = dep.notes.length - told.length;
			if (left > 0) lines.push(`  (${left} more: \`"$JETPACK_CLI" task show ${dep.id}\`)`);
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

	const told = recentLearnings(learnings);
	if (told.length > 0) {
		lines.push('', 'Learned in this repository by earlier tasks (most recent last):');
		for (const entry of told) lines.push(indented(`- ${entry}`));
	}

	lines.push(
		'',
		`Work in this repository. When the task is done, finish (exit with status 0), or report it with \`"$JETPACK_CLI" task done ${task.id}\` (a shell command; JETPACK_CLI is set in your environment). If you cannot do it, report \`"$JETPACK_CLI" task fail ${task.id} --reason "why"\` or exit with a non-zero status.`,
		`If you learned something the next task needs (a command that works, a trap, where a thing lives), leave it as a note: \`"$JETPACK_CLI" task done ${task.id} --note "what you learned"\`; for something every task should know, \`"$JETPACK_CLI" learn "what you learned"\`.`,
	);
	return lines.join('\n');
}

/** Later lines of a multi-line note or learning, indented under its first. */
function indented(text: string): string {
	return text.replaceAll('\n', '\n    ');
}
