/** The config file's keys (PRODUCT.md §11): defaults, and errors that name the key and the fix. */
import {describe, expect, it} from 'vitest';
import {defaultConfig, parseConfig} from '../../source/core/config.js';

const file = '.jetpack/config.json';

describe('the config', () => {
	it('fills every default', () => {
		expect(parseConfig({}, file)).toEqual(defaultConfig);
		expect(defaultConfig).toMatchObject({
			inputWaitSeconds: 20,
			inputWaitMinutes: 15,
			workspaces: 'worktree',
			workspaceSetup: [],
			mergeStrategy: 'merge',
		});
	});

	it.each([
		[
			{inputWaitSeconds: 0.5, inputWaitMinutes: 2},
			{inputWaitSeconds: 0.5, inputWaitMinutes: 2},
		],
		[{workspaces: 'shared'}, {workspaces: 'shared'}],
		[
			{worktreeDir: '/tmp/wt', branch: 'night', mergeStrategy: 'squash'},
			{worktreeDir: '/tmp/wt', branch: 'night', mergeStrategy: 'squash'},
		],
		[{workspaceSetup: ['npm ci']}, {workspaceSetup: ['npm ci']}],
		[
			{agents: [{command: 'my-claude', cli: 'claude', count: 1}]},
			{agents: [{command: 'my-claude', cli: 'claude', count: 1}]},
		],
	])('takes %j', (value, expected) => {
		expect(parseConfig(value, file)).toMatchObject(expected);
	});

	it.each([
		[{inputWaitSeconds: 0}, '"inputWaitSeconds" must be a number of at least 0.001 (got 0)'],
		[{workspaces: 'copy'}, '"workspaces" must be one of "worktree", "shared" (got "copy")'],
		[{mergeStrategy: 'rebase'}, '"mergeStrategy" must be one of "merge", "squash" (got "rebase")'],
		[{workspaceSetup: 'npm ci'}, '"workspaceSetup"'],
		[
			{agents: [{command: 'x', cli: 'cursor'}]},
			'"agents[0].cli" is "cursor"; it names the CLI a command runs, one of',
		],
	])('names the key of %j', (value, message) => {
		expect(() => parseConfig(value, file)).toThrow(message);
	});
});
