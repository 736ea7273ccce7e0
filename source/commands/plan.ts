/**
 * `jetpack-tui plan "REQUEST" [--agent PROFILE] [--yes]` (PRODUCT.md §16): an agent CLI breaks
 * the request into an epic and its tasks; the plan is checked (a wrong answer goes back once with
 * its errors), shown as a tree with its critical path and total estimate, and written in one
 * transaction once the person accepts it.
 */
import {createInterface} from 'node:readline';
import {planAgentFor} from '../adapters/plan-agent.js';
import {exitCodes, UsageError} from '../core/errors.js';
import {addPlan, proposePlan, type Plan, type WrittenPlan} from '../core/plan.js';
import type {TranscriptItem} from '../core/clis/detector.js';
import {taskToJson} from '../core/task.js';
import {colorWanted, oneLine, painter, truncate} from '../text/format.js';
import {renderPlanLines} from '../text/plan-render.js';
import type {CommandContext, CommandResult} from './context.js';
import type {Invocation} from './registry.js';

export async function runPlan(context: CommandContext, {args, flags}: Invocation): CommandResult {
	const [request = ''] = args;
	if (flags.agent.length > 1)
		throw new UsageError('plan asks one agent: give --agent once, like --agent claude.');
	const store = await context.store.read();
	const controller = new AbortController();
	let interrupted = false;
	const onSignal = () => {
		interrupted = true;
		controller.abort();
	};

	process.once('SIGINT', onSignal);
	process.once('SIGTERM', onSignal);
	const progress = (item: TranscriptItem) => {
		if (item.kind === 'tool')
			context.stderr.write(`  · ${item.name} ${truncate(oneLine(item.detail), 100)}\n`);
	};

	try {
		const agent = planAgentFor(context.config, flags.agent[0], request, {
			cwd: context.dir,
			env: context.env,
			signal: controller.signal,
			onItem: progress,
		});
		context.stderr.write(`Planning with ${agent.name}…\n`);
		const asking = {
			name: agent.name,
			async ask(prompt: string, attempt: number) {
				if (attempt > 1)
					context.stderr.write(
						`The answer was not a valid plan; asking ${agent.name} again with the errors…\n`,
					);
				return agent.ask(prompt, attempt);
			},
		};
		const outcome = await proposePlan(asking, request, store);
		if (interrupted) return exitCodes.interrupted;
		if (outcome.kind === 'failed') {
			context.stderr.write(
				`${agent.name} gave no plan: ${outcome.message}. Nothing was written; check that \`${agent.name}\` works on its own, or plan with --agent PROFILE.\n`,
			);
			return exitCodes.noAgent;
		}

		if (outcome.kind === 'invalid') {
			context.stderr.write(
				`${agent.name}'s plan was still not valid after it was sent back once; nothing was written:\n${outcome.errors.map((error) => `  - ${error}\n`).join('')}`,
			);
			return exitCodes.problems;
		}

		const paint = painter(colorWanted(process.stdout, context.env));
		const width = process.stdout.isTTY === true ? process.stdout.columns : undefined;
		if (!flags.json)
			context.stdout.write(`${renderPlanLines(outcome.plan, paint, width).join('\n')}\n`);
		if (flags.yes !== true) {
			if (process.stdin.isTTY !== true) {
				context.stderr.write(
					'Not written: there is no terminal to ask on; re-run with --yes to write this plan.\n',
				);
				return exitCodes.problems;
			}

			const yes = await confirm(
				`Write the epic and its ${outcome.plan.tasks.length} tasks to the store? [y/N] `,
			);
			if (!yes) {
				context.stderr.write('Discarded: nothing was written.\n');
				return exitCodes.problems;
			}
		}

		const written = await write(context, outcome.plan, request);
		context.stdout.write(
			flags.json
				? `${JSON.stringify({epic: taskToJson(written.epic), tasks: written.tasks.map((task) => taskToJson(task))})}\n`
				: writtenText(written),
		);
		return exitCodes.ok;
	} finally {
		process.removeListener('SIGINT', onSignal);
		process.removeListener('SIGTERM', onSignal);
	}
}

async function write(context: CommandContext, plan: Plan, request: string): Promise<WrittenPlan> {
	const now = context.clock.now();
	return context.store.update((tasks) =>
		addPlan(tasks, plan, {now, random: Math.random, request: request.trim()}),
	);
}

function writtenText(written: WrittenPlan): string {
	const lines = [
		`Wrote epic ${written.epic.id} and ${written.tasks.length} task${written.tasks.length === 1 ? '' : 's'}:`,
		...written.tasks.map((task, index) => {
			const key = [...written.ids.keys()][index] ?? '';
			return `  ${task.id}  ${truncate(oneLine(key), 12).padEnd(12)}  ${oneLine(task.title)}`;
		}),
		'`jetpack-tui deps --graph` shows them; a run starts on the ready ones.',
	];
	return `${lines.join('\n')}\n`;
}

/** One answer typed on the terminal: y or yes accepts. */
async function confirm(question: string): Promise<boolean> {
	const lines = createInterface({input: process.stdin, output: process.stderr});
	try {
		const answer = await new Promise<string>((resolve) => {
			lines.question(question, resolve);
			lines.once('close', () => resolve(''));
		});
		return /^y(es)?$/i.test(answer.trim());
	} finally {
		lines.close();
	}
}
