/**
 * Learnings carried forward (PRODUCT.md §16) through the orchestrator: what a prompt is given is
 * read when its agent starts, so a note or a learning left by one agent reaches the next.
 */
import {describe, expect, it} from 'vitest';
import {addNote} from '../../source/core/task-ops.js';
import {newTask, type Task} from '../../source/core/task.js';
import {settle} from '../helpers/fake-agents.js';
import {setup, slot} from '../helpers/orchestrator-setup.js';

const t = (id: string, fields: Partial<Task> = {}) => newTask({id, title: `task ${id}`, ...fields});

describe('the orchestrator and learnings', () => {
	it('gives each prompt the learnings as they are when its agent starts, and its dependencies’ notes', async () => {
		const learnings = ['2026-11-20: run the tests with npm test'];
		const run = await setup([t('first'), t('second', {dependencies: ['first']})], {
			slots: [slot('sim-1')],
			learnings: async () => learnings,
		});
		const first = run.launcher.on('first').launch.args[1];
		expect(first).toContain('- 2026-11-20: run the tests with npm test');

		// What the agent of `first` leaves before it exits: a note on its task, and a learning.
		await run.repository.update((tasks) =>
			addNote(tasks, 'first', 'the schema is in db/schema.sql', {
				now: run.clock.now(),
				random: Math.random,
			}),
		);
		learnings.push('2026-11-21: the API needs the X-Key header');
		run.launcher.on('first').exit({exitCode: 0, signal: null});
		await settle();

		const second = run.launcher.on('second').launch.args[1];
		expect(second).toContain('- first: task first\n  Note: the schema is in db/schema.sql');
		expect(second).toContain('- 2026-11-21: the API needs the X-Key header');
	});

	it('starts the agent without learnings it cannot read, and says so', async () => {
		const run = await setup([t('only')], {
			slots: [slot('sim-1')],
			learnings: async () => {
				throw new Error('EISDIR: illegal operation on a directory, read');
			},
		});
		expect(run.launcher.on('only').launch.args[1]).not.toContain('Learned in this repository');
		expect(run.events.map((stamped) => stamped.event)).toContainEqual({
			type: 'run.warning',
			message:
				'the learnings could not be read, so this prompt goes without them: EISDIR: illegal operation on a directory, read',
		});
	});
});
