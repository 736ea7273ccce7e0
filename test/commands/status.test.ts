/**
 * `status` counts the tasks and, since PRODUCT.md §14, what their attempts spent: `cost` in the
 * JSON always, a line in the text only when anything was spent.
 */
import {describe, expect, it} from 'vitest';
import {spendOf, withPrices} from '../../source/core/cost.js';
import {newTask, type Attempt, type Task} from '../../source/core/task.js';
import {spendLine, summarize} from '../../source/commands/status.js';

const now = new Date('2026-03-01T12:00:00.000Z');
const used = (agent: string, usage: Record<string, unknown>): Attempt => ({
	n: 1,
	agent,
	startedAt: '2026-03-01T11:00:00.000Z',
	endedAt: '2026-03-01T11:05:00.000Z',
	usage,
});
const table = (...tasks: Task[]) => new Map(tasks.map((task) => [task.id, task]));
const t = (id: string, attempts: Attempt[] = []) =>
	newTask({id, title: id, status: 'completed', attempts});

const claude = used('claude-1', {
	model: 'claude-sonnet-4',
	inputTokens: 10,
	outputTokens: 20,
	costUsd: 0.1,
});
const claudeAgain = used('claude-2', {inputTokens: 1, outputTokens: 2, costUsd: 0.2});
const codex = used('codex-1', {model: 'gpt-5', inputTokens: 1_000_000, outputTokens: 100});
const unknown = used('mine-1', {model: 'llama3', inputTokens: 5, outputTokens: 5});

describe('status and the spend', () => {
	const cases: Array<{
		name: string;
		tasks: Task[];
		cost: ReturnType<typeof summarize>['cost'];
		line: string | undefined;
	}> = [
		{
			name: 'nothing spent: zeros in the JSON, no line',
			tasks: [t('a'), t('b', [{n: 1, agent: 'sim-1', startedAt: now.toISOString()}])],
			cost: {usd: 0, inputTokens: 0, outputTokens: 0, byProfile: {}},
			line: undefined,
		},
		{
			name: "the CLIs' own figures, summed by profile without float noise",
			tasks: [t('a', [claude, claudeAgain])],
			cost: {usd: 0.3, inputTokens: 11, outputTokens: 22, byProfile: {claude: 0.3}},
			line: 'Spent $0.300 at API prices: claude $0.300 (jetpack-tui cost tells more).',
		},
		{
			name: 'codex tokens priced from the list: estimated, costliest profile first',
			tasks: [t('a', [claude]), t('b', [codex])],
			cost: {
				usd: 1.351,
				inputTokens: 1_000_010,
				outputTokens: 120,
				byProfile: {claude: 0.1, codex: 1.251},
			},
			line: 'Spent ~$1.35 at API prices: codex $1.25, claude $0.100 (jetpack-tui cost tells more).',
		},
		{
			name: 'tokens with no price: said so',
			tasks: [t('a', [unknown])],
			cost: {usd: 0, inputTokens: 5, outputTokens: 5, byProfile: {}},
			line: 'Spent $0.00 at API prices; some tokens have no price (jetpack-tui cost tells more).',
		},
	];
	it.each(cases)('$name', ({tasks, cost, line}) => {
		const summary = summarize(table(...tasks), now);
		expect(summary.cost).toEqual(cost);
		expect(summary.tasks.total).toBe(tasks.length);
		expect(spendLine(spendOf(withPrices(tasks)))).toBe(line);
	});
});
