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

/**
 * How many times a merge onto a shared remote is computed again after losing a push race: every
 * lost round is another machine's merge landing, so this bounds how long one merge may keep
 * losing to others before its work is kept for later.
 */
export const pushTries = 20;

/** Whether another round is wanted after a push race lost in round `round`. */
export function afterLostPush(round: number): 'again' | 'give-up' {
	return round + 1 < pushTries ? 'again' : 'give-up';
}

/**
 * What a `git push --porcelain REMOTE NEW:REF --force-with-lease=REF:OLD` came to:
 * - `pushed`: the remote's branch is NEW;
 * - `lost`: the remote's branch was no longer OLD (another machine merged first; `stale info`,
 *   `fetch first`, `non-fast-forward`): fetch and merge again;
 * - `refused`: the remote answered no for another reason (a hook, a protected branch, rights);
 * - `unreachable`: no answer about the ref at all (network, authentication, a remote gone).
 */
export type PushVerdict =
	| {readonly kind: 'pushed'}
	| {readonly kind: 'lost'}
	| {readonly kind: 'refused'; readonly reason: string}
	| {readonly kind: 'unreachable'; readonly reason: string};

export function pushVerdict(
	result: {readonly code: number; readonly stdout: string; readonly stderr: string},
	ref: string,
): PushVerdict {
	// Porcelain lines: `FLAG \t FROM:TO \t SUMMARY (REASON)`.
	const line = result.stdout
		.split('\n')
		.map((text) => text.split('\t'))
		.find((fields) => fields.length >= 3 && fields[1]?.endsWith(`:${ref}`));
	const [flag = '', , summary = ''] = line ?? [];
	if (line !== undefined && flag !== '!' && result.code === 0) return {kind: 'pushed'};
	if (line !== undefined && flag === '!' && summary.startsWith('[rejected]')) return {kind: 'lost'};
	const reason = gitSaid(result.stderr);
	// The lease held when the remote advertised its refs, and another push moved the branch before
	// this one's update: the remote's own compare-and-swap said no, as a lost race.
	if (line !== undefined && flag === '!' && movedMeanwhile.test(`${summary}\n${result.stderr}`))
		return {kind: 'lost'};
	if (line !== undefined && flag === '!')
		return {kind: 'refused', reason: reason === '' ? summary : `${summary}: ${reason}`};
	return {kind: 'unreachable', reason: reason === '' ? `git exited ${result.code}` : reason};
}

const movedMeanwhile = /failed to update ref|failed to lock|cannot lock ref|incorrect old value/i;

/**
 * What `git fetch REMOTE +refs/heads/B:…` came to: the branch fetched, the remote holding no such
 * branch (yet), or no answer.
 */
export type FetchVerdict =
	| {readonly kind: 'fetched'}
	| {readonly kind: 'absent'}
	| {readonly kind: 'unreachable'; readonly reason: string};

export function fetchVerdict(result: {
	readonly code: number;
	readonly stderr: string;
}): FetchVerdict {
	if (result.code === 0) return {kind: 'fetched'};
	if (/couldn't find remote ref/i.test(result.stderr)) return {kind: 'absent'};
	const reason = gitSaid(result.stderr);
	return {kind: 'unreachable', reason: reason === '' ? `git exited ${result.code}` : reason};
}

/** Git's own words, on one line: hints and git's standard advice about access left out. */
function gitSaid(stderr: string): string {
	const boilerplate =
		/^(hint:|Please make sure you have the correct access rights|and the repository exists\.)/;
	return stderr
		.split('\n')
		.map((line) => line.trim())
		.filter((line) => line !== '' && !boilerplate.test(line))
		.slice(0, 3)
		.map((line) => line.replace(/^(fatal|error): /, ''))
		.join(' / ')
		.slice(0, 300);
}
