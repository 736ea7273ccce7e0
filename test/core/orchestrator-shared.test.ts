/**
 * Claims on a store shared by several runs (PRODUCT.md §15): runs woken by the same change all
 * look at the same first tasks, so an agent whose task another run is taking takes the next one
 * in the same claim, rather than nothing until some other change wakes its run again.
 */
import {describe, expect, it} from 'vitest';
import {newTask} from '../../source/core/task.js';
import {setup, slot} from '../helpers/orchestrator-setup.js';

const t = (id: string, fields: Partial<Parameters<typeof newTask>[0]> = {}) =>
	newTask({id, title: id, createdAt: '2026-01-01T00:00:00.000Z', ...fields});

describe('Orchestrator on a shared store', () => {
	it('takes the next runnable task in the same claim when another run is taking its first choice', async () => {
		const run = await setup([t('a', {priority: 'high'}), t('b'), t('c', {priority: 'low'})], {
			slots: [slot('sim-1')],
			claimedElsewhere: new Set(['a']),
		});
		expect(run.claims).toEqual([{ids: ['a', 'b', 'c'], want: 1}]);
		expect(run.launcher.agents.map((agent) => agent.launch.env['JETPACK_TASK_ID'])).toEqual(['b']);
		expect((await run.task('b')).status).toBe('in_progress');
		expect((await run.task('a')).status).toBe('ready');
		await run.orchestrator.shutdown({immediate: true});
	});

	it('gives each agent its own task when the first choices are gone, and no spare beyond a tag limit', async () => {
		const run = await setup(
			[
				t('a', {priority: 'critical'}),
				t('b', {priority: 'high'}),
				t('db1', {tags: ['db']}),
				t('db2', {tags: ['db']}),
				t('c', {priority: 'low'}),
			],
			{
				slots: [slot('sim-1'), slot('sim-2')],
				claimedElsewhere: new Set(['a', 'b']),
				config: {taskLimits: {db: 1}},
			},
		);
		// `db2` would be a second task tagged db at once: the second agent takes `c` instead.
		expect(run.launcher.agents.map((agent) => agent.launch.env['JETPACK_TASK_ID'])).toEqual([
			'db1',
			'c',
		]);
		expect((await run.task('db2')).status).toBe('ready');
		await run.orchestrator.shutdown({immediate: true});
	});

	it('does not hand a specialist a spare it lacks the skills for', async () => {
		const run = await setup(
			[t('a', {priority: 'high', requiredSkills: ['node']}), t('py', {requiredSkills: ['python']})],
			{
				slots: [slot('node-1', 'node', ['node'])],
				claimedElsewhere: new Set(['a']),
			},
		);
		expect(run.launcher.agents).toHaveLength(0);
		expect((await run.task('py')).status).toBe('ready');
		await run.orchestrator.shutdown({immediate: true});
	});
});
