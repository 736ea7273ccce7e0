/**
 * `--demo`: the sample project in `.beads-example/`, copied to a temporary folder so nothing of
 * the user's is touched.
 */
import {cp, mkdtemp} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {TaskStore} from '../adapters/task-store.js';
import type {CommandContext, CommandResult} from './context.js';
import {renderTaskTable} from './task-list.js';
import {sortedTasks} from '../core/task.js';
import {summarize} from './status.js';

/** `.beads-example/` ships beside `dist/` in the package. */
export const exampleDir = fileURLToPath(new URL('../../.beads-example/', import.meta.url));

export async function copyExample(): Promise<string> {
	const dir = await mkdtemp(path.join(os.tmpdir(), 'jetpack-demo-'));
	await cp(path.join(exampleDir, 'tasks.jsonl'), path.join(dir, '.beads', 'tasks.jsonl'));
	return dir;
}

export async function runDemo(context: CommandContext): CommandResult {
	const dir = await copyExample();
	const store = new TaskStore(dir);
	const tasks = await store.read();
	const {total, runnable} = summarize(tasks, context.clock.now()).tasks;
	context.stdout.write(renderTaskTable(sortedTasks(tasks), context));
	context.stdout.write(
		[
			'',
			`The sample project "Shelf" (${total} tasks, ${runnable} runnable now) is in ${dir}.`,
			'This version has the task store and its commands; the agents, scheduler and panes come next.',
			`Try: jetpack-tui -C ${dir} status   ·   jetpack-tui -C ${dir} task show ${sortedTasks(tasks).find((t) => t.status === 'ready')?.id ?? 'ID'}`,
			'',
		].join('\n'),
	);
	return 0;
}
