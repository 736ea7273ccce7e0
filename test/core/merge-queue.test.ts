/** The merge queue's decisions, as tables of what git says and what to do. */
import {describe, expect, it} from 'vitest';
import {
	afterLostPush,
	afterMergeTree,
	afterSwap,
	fetchVerdict,
	firstStep,
	pushTries,
	pushVerdict,
	swapTries,
} from '../../source/core/merge-queue.js';

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

	const ref = 'refs/heads/jetpack/main';
	const line = (flag: string, summary: string) =>
		`To ../remote.git\n${flag}\tabc123:${ref}\t${summary}\nDone\n`;
	const failed = "error: failed to push some refs to '../remote.git'\n";
	it.each([
		['a fast-forward', 0, line(' ', 'defc3a2..705cf78'), '', {kind: 'pushed'}],
		['a new branch', 0, line('*', '[new branch]'), '', {kind: 'pushed'}],
		['a stale lease', 1, line('!', '[rejected] (stale info)'), failed, {kind: 'lost'}],
		['not a fast-forward', 1, line('!', '[rejected] (non-fast-forward)'), failed, {kind: 'lost'}],
		['fetch first', 1, line('!', '[rejected] (fetch first)'), failed, {kind: 'lost'}],
		[
			'another push landing between the advertisement and the update',
			1,
			line('!', '[remote rejected] (failed to update ref)'),
			`remote: error: cannot lock ref 'refs/heads/jetpack/main': is at 2a4e but expected ccb1\n${failed}`,
			{kind: 'lost'},
		],
		[
			'a hook that declined',
			1,
			line('!', '[remote rejected] (pre-receive hook declined)'),
			`remote: protected        \n${failed}`,
			{
				kind: 'refused',
				reason:
					"[remote rejected] (pre-receive hook declined): remote: protected / failed to push some refs to '../remote.git'",
			},
		],
		[
			'a remote that is gone',
			128,
			'',
			"fatal: '../gone.git' does not appear to be a git repository\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n",
			{
				kind: 'unreachable',
				reason:
					"'../gone.git' does not appear to be a git repository / Could not read from remote repository.",
			},
		],
		['no word at all', -1, '', '', {kind: 'unreachable', reason: 'git exited -1'}],
		[
			'another ref’s line only',
			1,
			`To x\n!\tabc:refs/heads/other\t[rejected] (stale info)\n`,
			'fatal: the remote end hung up unexpectedly\n',
			{kind: 'unreachable', reason: 'the remote end hung up unexpectedly'},
		],
	] as const)('a push that met %s', (_name, code, stdout, stderr, verdict) => {
		expect(pushVerdict({code, stdout, stderr}, ref)).toEqual(verdict);
	});

	it.each([
		['fetched', 0, '', {kind: 'fetched'}],
		[
			'no such branch there',
			128,
			"fatal: couldn't find remote ref refs/heads/jetpack/main\n",
			{kind: 'absent'},
		],
		[
			'no answer',
			128,
			'ssh: connect to host example.com port 22: Connection refused\nfatal: Could not read from remote repository.\n',
			{
				kind: 'unreachable',
				reason:
					'ssh: connect to host example.com port 22: Connection refused / Could not read from remote repository.',
			},
		],
		[
			'a timeout',
			-1,
			'\nno answer within 120 s',
			{kind: 'unreachable', reason: 'no answer within 120 s'},
		],
	] as const)('a fetch that %s', (_name, code, stderr, verdict) => {
		expect(fetchVerdict({code, stderr})).toEqual(verdict);
	});

	it('fetches and merges again after a lost push race, up to a bound', () => {
		expect(afterLostPush(0)).toBe('again');
		expect(afterLostPush(pushTries - 2)).toBe('again');
		expect(afterLostPush(pushTries - 1)).toBe('give-up');
	});
});
