/**
 * The merge queue's decisions (PRODUCT.md §12), pure: given what git says of the integration tip
 * and a task's head, what to do — nothing, a fast-forward, or a merge computed without a checkout;
 * then, given the computed tree, a conflict, nothing, or the commit to make and its parents; and
 * after a compare-and-swap, whether the merge is done or must be computed again on the new tip.
 * The git adapter asks git the questions and carries the answers out.
 */

export type MergeStrategy = 'merge' | 'squash';

/** What git says of the integration tip and the task's head, before anything is computed. */
export interface MergeFacts {
	/** The task's head is the tip, or already in it (its work merged, or none). */
	readonly headInTip: boolean;
	/** The tip is an ancestor of the head: the task branch is the tip plus its work. */
	readonly tipInHead: boolean;
	/** Commits on the task branch that the tip lacks (`tip..head`). */
	readonly commitsAhead: number;
	readonly strategy: MergeStrategy;
}

export type FirstStep =
	| {readonly kind: 'nothing'}
	/** Move the branch to the head: the history is the task's own. */
	| {readonly kind: 'fast-forward'}
	/** `git merge-tree --write-tree tip head`, then decide with `afterMergeTree`. */
	| {readonly kind: 'merge-tree'};

export function firstStep(facts: MergeFacts): FirstStep {
	if (facts.headInTip) return {kind: 'nothing'};
	// Squashing keeps one commit per task: a single commit on top of the tip is that already.
	const fastForward = facts.tipInHead && (facts.strategy === 'merge' || facts.commitsAhead === 1);
	return fastForward ? {kind: 'fast-forward'} : {kind: 'merge-tree'};
}

export interface MergeTreeResult {
	/** `merge-tree` found conflicts, in these files. */
	readonly conflict: boolean;
	readonly files: readonly string[];
	/** The merged tree, and the tip's own tree. */
	readonly tree: string;
	readonly tipTree: string;
}

export type NextStep =
	| {readonly kind: 'conflict'; readonly files: readonly string[]}
	| {readonly kind: 'nothing'}
	/** `commit-tree tree` with these parents, then the compare-and-swap. */
	| {readonly kind: 'commit'; readonly parents: readonly string[]};

export function afterMergeTree(
	result: MergeTreeResult,
	refs: {readonly tip: string; readonly head: string},
	strategy: MergeStrategy,
): NextStep {
	if (result.conflict) return {kind: 'conflict', files: [...new Set(result.files)]};
	// Squashing work the branch already holds would add an empty commit.
	if (strategy === 'squash' && result.tree === result.tipTree) return {kind: 'nothing'};
	return {kind: 'commit', parents: strategy === 'merge' ? [refs.tip, refs.head] : [refs.tip]};
}

/** How many times a merge is computed again on a tip that moved before giving up. */
export const swapTries = 5;

/**
 * After `update-ref NEW OLD`: done when it moved the branch; computed again on the new tip when
 * the branch had moved meanwhile; given up after `swapTries` rounds (someone keeps committing).
 */
export function afterSwap(swapped: boolean, round: number): 'done' | 'again' | 'give-up' {
	if (swapped) return 'done';
	return round + 1 < swapTries ? 'again' : 'give-up';
}
