/**
 * A budget end to end (PRODUCT.md §14): the built CLI with `--headless`, simulated agents saying
 * what they spent in the documented `JETPACK_USAGE` line.
 */
import {describe, expect, it} from 'vitest';
import {fast, start, stored} from '../helpers/headless.js';
import {repoWith} from '../helpers/temp-repo.js';

describe('jetpack-tui --headless with a budget', () => {
	it('records what each attempt says it spent, stops starting work once the budget is spent, and ends as budget', async () => {
		const cwd = await repoWith(
			['a', 'b', 'c', 'd'].map((id) => ({
				id,
				title: `task ${id}`,
				sim: {ms: 100, usage: {costUsd: 3, inputTokens: 1000, outputTokens: 200, model: 'sim'}},
			})),
			{...fast, agents: [{profile: 'simulated', count: 1}], budget: {usd: 5, alertPercent: 50}},
		);
		const run = start(cwd);
		expect(await run.exited).toBe(1);
		const events = run.lines.map((line) => line.event);
		expect(events).toContain('budget.alert');
		expect(events).toContain('budget.exhausted');
		expect(run.lines.at(-1)).toMatchObject({event: 'run.finished', reason: 'budget'});
		const tasks = stored(cwd);
		const ran = [...tasks.values()].filter((task) => task.attempts.length > 0);
		// One attempt alerts, the second spends the budget: no third starts.
		expect(ran).toHaveLength(2);
		expect(ran[0]?.attempts[0]).toMatchObject({
			usage: {costUsd: 3, inputTokens: 1000, outputTokens: 200, model: 'sim'},
		});
	}, 60_000);
});
