/**
 * `learn [TEXT]`: appends a dated entry to `.jetpack/learnings.md`, whose most recent entries go
 * into every agent prompt (PRODUCT.md §16); with no text, lists the entries prompts carry now.
 */
import path from 'node:path';
import {appendLearning, learningsPath, readLearnings} from '../adapters/learnings-file.js';
import {explainFsError} from '../adapters/fs-errors.js';
import {learningsInPrompt, recentLearnings} from '../core/learnings.js';
import {checkedNote} from '../core/task-ops.js';
import {printable} from '../text/format.js';
import type {CommandContext, CommandResult} from './context.js';
import type {Invocation} from './registry.js';

export async function runLearn(context: CommandContext, {args, flags}: Invocation): CommandResult {
	const shown = path.relative(context.dir, learningsPath(context.dir));
	const [text] = args;
	if (text !== undefined) {
		const learning = checkedNote(text, 'The learning');
		await appendLearning(context.dir, learning, context.clock.now());
		context.stdout.write(
			flags.json
				? `${JSON.stringify({file: shown, learning})}\n`
				: `Added to ${shown}; its newest ${learningsInPrompt.entries} entries go into every prompt.\n`,
		);
		return 0;
	}

	const entries = await readLearnings(context.dir).catch((error: unknown) => {
		throw explainFsError(error, context.dir, shown);
	});
	const told = recentLearnings(entries);
	if (flags.json) {
		context.stdout.write(`${JSON.stringify(told)}\n`);
		return 0;
	}

	if (told.length === 0) {
		context.stderr.write(
			`jetpack-tui: no learnings in ${shown} yet; add one with \`jetpack-tui learn "TEXT"\`.\n`,
		);
		return 0;
	}

	const lines = told.map((entry) => `- ${printable(entry).replaceAll('\n', '\n  ')}`);
	context.stdout.write(`${lines.join('\n')}\n`);
	return 0;
}
