/**
 * Who takes which task (PRODUCT.md §5): specialists first, generalists for the rest, and a task
 * reported only when no agent of the pool could ever take it.
 */
import {describe, expect, it} from 'vitest';
import {buildGraph} from '../../source/core/graph.js';
import {canTakeTask, maxSpares, schedule} from '../../source/core/scheduler.js';
import {newTask, type Task} from '../../source/core/task.js';
import {slot} from '../helpers/orchestrator-setup.js';

const t = (id: string, fields: Partial<Task> = {}) =>
	newTask({id, title: `task ${id}`, createdAt: '2026-01-01T00:00:00.000Z', ...fields});

const generalist = slot('claude-1', 'claude');
const node = slot('node-1', 'node', ['node']);
const nodeSql = slot('full-1', 'full', ['node', 'sql']);
const python = slot('py-1', 'py', ['python']);

describe('canTakeTask', () => {
	it.each([
		['a generalist, a task with no skills', generalist, [], true],
		['a generalist, a skilled task', generalist, ['node'], true],
		['a specialist with the skill', node, ['node'], true],
		['a specialist with every skill', nodeSql, ['node', 'sql'], true],
		['a specialist with one of two skills', node, ['node', 'sql'], false],
		['a specialist with another skill', python, ['node'], false],
		['a specialist, a task with no skills', python, [], true],
	] as const)('%s', (_name, agent, skills, expected) => {
		expect(canTakeTask(agent, t('x', {requiredSkills: [...skills]}))).toBe(expected);
	});
});

describe('schedule', () => {
	const run = (tasks: Task[], free: (typeof generalist)[], pool = free) => {
		const table = new Map(tasks.map((task) => [task.id, task]));
		return schedule({
			graph: buildGraph(table),
			now: new Date('2026-01-02T00:00:00.000Z'),
			free,
			pool,
			runningTags: [],
			taskLimits: {},
		});
	};

	it.each([
		{
			name: 'an epic is never handed to an agent, even marked ready',
			tasks: [t('epic', {type: 'epic', status: 'ready'}), t('child', {parentId: 'epic'})],
			free: [generalist, node],
			pool: [generalist, node],
			assignments: [{taskId: 'child', agent: 'claude-1'}],
			unassignable: [],
		},
		{
			name: 'the built-in profiles (no skills) run a task that needs a skill',
			tasks: [t('api', {requiredSkills: ['node']})],
			free: [generalist],
			pool: [generalist],
			assignments: [{taskId: 'api', agent: 'claude-1'}],
			unassignable: [],
		},
		{
			name: 'a free specialist that has the skills goes before a generalist',
			tasks: [t('api', {requiredSkills: ['node']})],
			free: [generalist, node],
			pool: [generalist, node],
			assignments: [{taskId: 'api', agent: 'node-1'}],
			unassignable: [],
		},
		{
			name: 'a generalist takes it when the specialist is busy',
			tasks: [t('api', {requiredSkills: ['node']})],
			free: [generalist],
			pool: [generalist, node],
			assignments: [{taskId: 'api', agent: 'claude-1'}],
			unassignable: [],
		},
		{
			name: 'a task with no skills goes to the generalist, keeping the specialist free',
			tasks: [t('plain')],
			free: [node, generalist],
			pool: [node, generalist],
			assignments: [{taskId: 'plain', agent: 'claude-1'}],
			unassignable: [],
		},
		{
			name: 'only specialists, none with every skill: reported, not run',
			tasks: [t('api', {requiredSkills: ['node', 'sql']})],
			free: [node, python],
			pool: [node, python],
			assignments: [],
			unassignable: ['api'],
		},
		{
			name: 'a busy generalist can take it later: waits, not reported',
			tasks: [t('api', {requiredSkills: ['rust']})],
			free: [python],
			pool: [python, generalist],
			assignments: [],
			unassignable: [],
		},
	])('$name', ({tasks, free, pool, assignments, unassignable}) => {
		expect(run(tasks, free, pool)).toMatchObject({assignments, unassignable});
	});

	it('offers the runnable tasks beyond the assignments a free agent could take, in scheduling order, as spares', () => {
		const tasks = [
			t('a', {priority: 'high'}),
			t('b'),
			t('py', {requiredSkills: ['python']}),
			t('c', {priority: 'low'}),
		];
		// One free agent, a node specialist: it takes `a`; `b` and `c` are its spares (a
		// generalist's task), not the Python task it could never take.
		expect(run(tasks, [node], [node, python])).toEqual({
			assignments: [{taskId: 'a', agent: 'node-1'}],
			unassignable: [],
			spares: ['b', 'c'],
		});
		expect(run(tasks, [], [node])).toMatchObject({spares: []});
	});

	it('bounds the spares', () => {
		const tasks = Array.from({length: maxSpares + 10}, (_, index) => t(`t${index}`));
		expect(run(tasks, [generalist]).spares).toHaveLength(maxSpares);
	});
});
