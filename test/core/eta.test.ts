import {describe, expect, it} from 'vitest';
import {
	estimatedMinutes,
	etaMinutesWith,
	isSimulated,
	poolMinutes,
	simulatedMinutes,
} from '../../source/core/eta.js';
import {buildGraph, etaMinutes} from '../../source/core/graph.js';
import {profileFor, type AgentSlot} from '../../source/core/profiles.js';
import {newTask, type Task} from '../../source/core/task.js';

const t = (id: string, fields: Partial<Task> = {}, sim?: unknown) => ({
	...newTask({id, title: id, ...fields}),
	extra: sim === undefined ? {} : {sim},
});
const table = (...tasks: Task[]) => buildGraph(new Map(tasks.map((task) => [task.id, task])));
const self = {command: '/usr/bin/node', args: ['/app/dist/cli.js']};
const slotOf = (profile: string, name = `${profile}-1`): AgentSlot => ({
	name,
	profile: profileFor({profile, count: 1}, self),
});

describe('simulatedMinutes', () => {
	it.each([
		{what: 'sim.ms', task: t('a', {estimatedMinutes: 30}, {ms: 12_000}), speed: 60, minutes: 0.2},
		{
			what: 'the estimate over the speed',
			task: t('a', {estimatedMinutes: 30}),
			speed: 60,
			minutes: 0.5,
		},
		{what: 'another speed', task: t('a', {estimatedMinutes: 30}), speed: 2, minutes: 15},
		{
			what: 'a sim without ms: the estimate over the speed',
			task: t('a', {estimatedMinutes: 30}, {exit: 1}),
			speed: 10,
			minutes: 3,
		},
		{
			what: 'a sim it cannot follow: the estimate over the speed',
			task: t('a', {estimatedMinutes: 30}, 'fast'),
			speed: 60,
			minutes: 0.5,
		},
	])('takes $what', ({task, speed, minutes}) => {
		expect(simulatedMinutes(speed)(task)).toBeCloseTo(minutes, 6);
	});
});

describe('poolMinutes', () => {
	const task = t('a', {estimatedMinutes: 30}, {ms: 6000});
	it.each([
		{
			what: 'every agent simulated',
			slots: [slotOf('simulated'), slotOf('simulated', 's-2')],
			minutes: 0.1,
		},
		{what: 'a real agent among them', slots: [slotOf('simulated'), slotOf('claude')], minutes: 30},
		{what: 'real agents only', slots: [slotOf('claude')], minutes: 30},
		{what: 'no agent', slots: [], minutes: 30},
	])('with $what', ({slots, minutes}) => {
		expect(poolMinutes(slots, self, 60)(task)).toBeCloseTo(minutes, 6);
	});

	it('tells the simulated profile from a command that only looks like it', () => {
		expect(isSimulated(slotOf('simulated'), self)).toBe(true);
		const other: AgentSlot = {
			name: 'x-1',
			profile: profileFor(
				{command: '/usr/bin/node', args: ['other.js', 'simulate'], count: 1},
				self,
			),
		};
		expect(isSimulated(other, self)).toBe(false);
	});
});

describe('etaMinutesWith', () => {
	it.each([
		{
			what: 'a chain: the chain is the bound',
			graph: table(
				t('a', {estimatedMinutes: 10}),
				t('b', {estimatedMinutes: 20, dependencies: ['a']}),
			),
			agents: 4,
			minutes: 30,
		},
		{
			what: 'wide work: shared among the agents',
			graph: table(...['a', 'b', 'c', 'd'].map((id) => t(id, {estimatedMinutes: 10}))),
			agents: 2,
			minutes: 20,
		},
		{
			what: 'completed and failed work left out of the work',
			graph: table(
				t('done', {estimatedMinutes: 100, status: 'completed'}),
				t('bad', {estimatedMinutes: 7, status: 'failed'}),
				t('b', {estimatedMinutes: 5}),
			),
			agents: 1,
			minutes: 7,
		},
		{what: 'nothing left', graph: table(t('a', {status: 'completed'})), agents: 3, minutes: 0},
	])('$what', ({graph, agents, minutes}) => {
		expect(etaMinutesWith(graph, agents, estimatedMinutes)).toBe(minutes);
	});

	it('uses the minutes it is given, on the chain and on the work', () => {
		const graph = table(
			t('a', {estimatedMinutes: 60}, {ms: 60_000}),
			t('b', {estimatedMinutes: 60, dependencies: ['a']}, {ms: 120_000}),
			t('c', {estimatedMinutes: 600}, {ms: 30_000}),
		);
		expect(etaMinutesWith(graph, 8, simulatedMinutes(60))).toBeCloseTo(3, 6);
		expect(etaMinutesWith(graph, 1, simulatedMinutes(60))).toBeCloseTo(3.5, 6);
	});

	it('equals the graph’s own ETA with the estimates, on tables with cycles, unknown ids and finished work', () => {
		let seed = 7;
		const random = () => {
			seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
			return seed / 2_147_483_648;
		};
		const statuses = ['pending', 'ready', 'completed', 'failed', 'blocked'] as const;
		for (let round = 0; round < 200; round++) {
			const n = 1 + Math.floor(random() * 12);
			const tasks = Array.from({length: n}, (_, i) =>
				t(`t${i}`, {
					estimatedMinutes: 1 + Math.floor(random() * 60),
					status: statuses[Math.floor(random() * statuses.length)],
					dependencies: Array.from({length: Math.floor(random() * 3)}, () =>
						random() < 0.1 ? 'nowhere' : `t${Math.floor(random() * n)}`,
					).filter((dep, index, all) => all.indexOf(dep) === index),
				}),
			);
			const graph = table(...tasks);
			const agents = 1 + Math.floor(random() * 4);
			expect(etaMinutesWith(graph, agents, estimatedMinutes)).toBeCloseTo(
				etaMinutes(graph, agents),
				9,
			);
		}
	});
});
