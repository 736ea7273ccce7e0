/** The merge queue's decisions, as tables of what git says and what to do. */
import {describe, expect, it} from 'vitest';
import {afterMergeTree, afterSwap, firstStep, swapTries} from '../../source/core/merge-queue.js';

describe('the merge queue', () => {
	it.each([
		[
			'work already in the tip',
			{headInTip: true, tipInHead: false, commitsAhead: 0, strategy: 'merge'},
			'nothing',
		],
		[
			'the tip plus the task’s commits',
			{headInTip: false, tipInHead: true, commitsAhead: 3, strategy: 'merge'},
			'fast-forward',
		],
		[
			'one commit on the tip, squashed',
			{headInTip: false, tipInHead: true, commitsAhead: 1, strategy: 'squash'},
			'fast-forward',
		],
		[
			'several commits on the tip, squashed',
			{headInTip: false, tipInHead: true, commitsAhead: 2, strategy: 'squash'},
			'merge-tree',
		],
		[
			'a tip that moved on',
			{headInTip: false, tipInHead: false, commitsAhead: 0, strategy: 'merge'},
			'merge-tree',
		],
	] as const)('%s: %s', (_name, facts, kind) => {
		expect(firstStep(facts).kind).toBe(kind);
	});

	const refs = {tip: 't1', head: 'h1'};
	it.each([
		[
			'conflicts',
			{conflict: true, files: ['a', 'b', 'a'], tree: '', tipTree: 'T'},
			'merge',
			{kind: 'conflict', files: ['a', 'b']},
		],
		[
			'a merge',
			{conflict: false, files: [], tree: 'N', tipTree: 'T'},
			'merge',
			{kind: 'commit', parents: ['t1', 'h1']},
		],
		[
			'a squash',
			{conflict: false, files: [], tree: 'N', tipTree: 'T'},
			'squash',
			{kind: 'commit', parents: ['t1']},
		],
		[
			'a squash of work the tip holds',
			{conflict: false, files: [], tree: 'T', tipTree: 'T'},
			'squash',
			{kind: 'nothing'},
		],
	] as const)('after merge-tree, %s', (_name, result, strategy, step) => {
		expect(afterMergeTree(result, refs, strategy)).toEqual(step);
	});

	it('computes again on a tip that moved, a few times, then gives up', () => {
		expect(afterSwap(true, 0)).toBe('done');
		expect(afterSwap(false, 0)).toBe('again');
		expect(afterSwap(false, swapTries - 2)).toBe('again');
		expect(afterSwap(false, swapTries - 1)).toBe('give-up');
	});
});
