/**
 * `jetpack-tui cost` (PRODUCT.md §14): what every attempt in the store spent, in tokens and
 * dollars, with a table by task, profile or day. Read-only. Money is the CLI's own figure where it
 * gave one, else its tokens priced from list prices (shown with `~`); tokens of a model without a
 * price are counted and said to be left out of the dollars, never guessed.
 */
import {costliest, dollars, jsonUsd, jsonUsdRecord, spendOf, withPrices} from '../core/cost.js';
import type {Spend} from '../core/cost.js';
import {UsageError} from '../core/errors.js';
import type {TaskTable} from '../core/task.js';
import {painter, printable, table, type Paint} from '../text/format.js';
import type {CommandContext, CommandResult} from './context.js';
import {costGroupings, type Invocation} from './registry.js';

/** Rows of the table before "… and N more". */
const shownRows = 20;

/**
 * Where the dollars come from, said wherever they are shown: claude reports a cost even on a
 * subscription login, where nothing is billed per token.
 */
export const apiPricesNote =
	"Claude's figures are what the usage would cost at API prices; on a subscription login (Pro, Max) that is not what is billed.";

/** `cost --json` (README, "Output for scripts"). */
export function costJson(spend: Spend): Record<string, unknown> {
	return {
		usd: jsonUsd(spend.usd),
		estimated: spend.estimated,
		unpriced: spend.unpriced,
		inputTokens: spend.inputTokens,
		outputTokens: spend.outputTokens,
		cacheReadTokens: spend.cacheReadTokens,
		byTask: jsonUsdRecord(spend.byTask),
		byProfile: jsonUsdRecord(spend.byProfile),
		byDay: jsonUsdRecord(spend.byDay),
	};
}

const count = (tokens: number) => tokens.toLocaleString('en-US');

/** What a person reads: the totals, what they rest on, and one table. */
export function costText(
	spend: Spend,
	tasks: TaskTable,
	by: string,
	paint: Paint,
	width?: number,
): string {
	const spentTokens = spend.inputTokens + spend.outputTokens + spend.cacheReadTokens;
	if (spend.usd === 0 && spentTokens === 0)
		return 'Nothing spent yet: no attempt in the store has reported tokens or money.\n';
	const taskCount = Object.keys(spend.byTask).length;
	const lines = [
		paint(
			'bold',
			`Spent ${dollars(spend.usd, spend.estimated)} on ${taskCount} task${taskCount === 1 ? '' : 's'}.`,
		),
		`Tokens: ${count(spend.inputTokens)} input, ${count(spend.outputTokens)} output, ${count(spend.cacheReadTokens)} cache read.`,
	];
	if (spend.estimated)
		lines.push(
			'~: partly estimated from list prices, for the CLIs that report tokens but no money (codex, gemini).',
		);
	if (spend.unpriced)
		lines.push(
			paint(
				'yellow',
				'Some tokens could not be priced (their model has no list price, or none was named): the dollars leave them out.',
			),
		);
	lines.push(paint('dim', apiPricesNote), '');

	const rows =
		by === 'day'
			? Object.entries(spend.byDay)
					.sort(([a], [b]) => (a < b ? -1 : 1))
					.map(([id, usd]) => ({id, usd}))
			: costliest(by === 'profile' ? spend.byProfile : spend.byTask);
	const shown = rows.slice(0, shownRows);
	const money = shown.map((row) => dollars(row.usd));
	const moneyWidth = Math.max(...money.map((text) => text.length));
	const header = {task: 'TASK', profile: 'PROFILE', day: 'DAY (UTC)'}[by] ?? by;
	const columns = [
		{header, cells: shown.map((row) => printable(row.id))},
		{header: 'COST', cells: money.map((text) => text.padStart(moneyWidth))},
	];
	if (by === 'task')
		columns.push({
			header: 'TITLE',
			cells: shown.map((row) => printable(tasks.get(row.id)?.title ?? '')),
		});
	lines.push(`${table(columns, width, paint).trimEnd()}`);
	if (rows.length > shownRows)
		lines.push(
			paint(
				'dim',
				`… and ${rows.length - shownRows} more (jetpack-tui cost --json lists them all)`,
			),
		);
	return `${lines.join('\n')}\n`;
}

export async function runCost(context: CommandContext, {flags}: Invocation): CommandResult {
	const by = flags.by ?? costGroupings[0] ?? 'task';
	if (!costGroupings.includes(by))
		throw new UsageError(
			`--by ${JSON.stringify(by)} is not task, profile or day, like \`--by profile\`.`,
		);
	const exists = await context.store.exists();
	const tasks = exists ? await context.store.read() : new Map();
	const spend = spendOf(withPrices(tasks, context.config.prices));
	if (flags.json) {
		context.stdout.write(`${JSON.stringify(costJson(spend))}\n`);
		return 0;
	}

	if (!exists) {
		context.stdout.write(`No task store here (${context.store.displayPath}); nothing spent.\n`);
		return 0;
	}

	context.stdout.write(
		costText(
			spend,
			tasks,
			by,
			painter(context.color),
			(context.stdout as {columns?: number}).columns,
		),
	);
	return 0;
}
