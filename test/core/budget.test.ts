/** The budget's decisions, as a table of spends and what each does. */
import {describe, expect, it} from 'vitest';
import {
	freshBudget,
	judgeBudget,
	overTaskBudget,
	type BudgetState,
} from '../../source/core/budget.js';

const budget = {usd: 50, taskUsd: 5, alertPercent: 80};

describe('the budget', () => {
	it.each([
		['well under', {runUsd: 10}, freshBudget, []],
		['at the alert', {runUsd: 40}, freshBudget, ['alert 40/50']],
		['past it, once', {runUsd: 45}, {alerted: true, exhausted: false}, []],
		['spent', {runUsd: 50}, {alerted: true, exhausted: false}, ['exhausted 50/50']],
		['spent at one go: the end, no late alert', {runUsd: 60}, freshBudget, ['exhausted 60/50']],
		['spent, told already', {runUsd: 70}, {alerted: true, exhausted: true}, []],
	] as const)('%s', (_name, spend, state: BudgetState, told) => {
		const {actions} = judgeBudget(state, spend, budget);
		expect(actions.map((a) => `${a.type} ${a.spentUsd}/${a.budgetUsd}`)).toEqual(told);
	});

	it('caps every run on the store together with totalUsd, the tightest limit speaking', () => {
		const {actions} = judgeBudget(
			freshBudget,
			{runUsd: 1, totalUsd: 100},
			{totalUsd: 100, alertPercent: 80},
		);
		expect(actions).toEqual([{type: 'exhausted', spentUsd: 100, budgetUsd: 100}]);
	});

	it('has nothing to say with no budget set', () => {
		expect(judgeBudget(freshBudget, {runUsd: 1e6}, {alertPercent: 80}).actions).toEqual([]);
	});

	it('stops an attempt only past its own limit', () => {
		expect(overTaskBudget(5.01, budget)).toBe(true);
		expect(overTaskBudget(5, budget)).toBe(false);
		expect(overTaskBudget(undefined, budget)).toBe(false);
		expect(overTaskBudget(100, {alertPercent: 80})).toBe(false);
	});
});
