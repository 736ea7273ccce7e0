/**
 * Spending limits (PRODUCT.md §14): a warning at `alertPercent` of the run's budget, no new
 * attempt once the budget is spent (running ones finish), and an attempt stopped once it alone
 * passes `taskUsd`. `totalUsd` caps every run on the store together. Pure decisions.
 */

export interface Budget {
	/** This run's budget in dollars. */
	readonly usd?: number;
	/** One attempt's. */
	readonly taskUsd?: number;
	/** Every run on the store together, all attempts ever recorded. */
	readonly totalUsd?: number;
	readonly alertPercent: number;
}

export interface BudgetState {
	readonly alerted: boolean;
	readonly exhausted: boolean;
}

export const freshBudget: BudgetState = {alerted: false, exhausted: false};

export type BudgetAction =
	| {readonly type: 'alert'; readonly spentUsd: number; readonly budgetUsd: number}
	| {readonly type: 'exhausted'; readonly spentUsd: number; readonly budgetUsd: number};

/**
 * What the spend so far means: `runUsd` is this run's (recorded and running attempts), `totalUsd`
 * the store's all-time spend (when a total cap is set). Each action is taken once.
 */
export function judgeBudget(
	state: BudgetState,
	spend: {readonly runUsd: number; readonly totalUsd?: number},
	budget: Budget,
): {readonly state: BudgetState; readonly actions: readonly BudgetAction[]} {
	const limits: Array<{spent: number; cap: number}> = [];
	if (budget.usd !== undefined) limits.push({spent: spend.runUsd, cap: budget.usd});
	if (budget.totalUsd !== undefined && spend.totalUsd !== undefined)
		limits.push({spent: spend.totalUsd, cap: budget.totalUsd});
	const actions: BudgetAction[] = [];
	let next = state;
	// The tightest limit speaks: the one with the largest share spent.
	const tightest = limits.sort((a, b) => b.spent / b.cap - a.spent / a.cap)[0];
	if (tightest === undefined) return {state, actions};
	const share = tightest.spent / tightest.cap;
	if (!next.alerted && share * 100 >= budget.alertPercent && share < 1) {
		next = {...next, alerted: true};
		actions.push({type: 'alert', spentUsd: tightest.spent, budgetUsd: tightest.cap});
	}

	if (!next.exhausted && share >= 1) {
		next = {alerted: true, exhausted: true};
		actions.push({type: 'exhausted', spentUsd: tightest.spent, budgetUsd: tightest.cap});
	}

	return {state: next, actions};
}

/** An attempt that has spent more than `taskUsd` on its own is stopped. */
export function overTaskBudget(attemptUsd: number | undefined, budget: Budget): boolean {
	return budget.taskUsd !== undefined && attemptUsd !== undefined && attemptUsd > budget.taskUsd;
}
