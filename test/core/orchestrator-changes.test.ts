import {describe, expect, it} from 'vitest';
import {describeEvent} from '../../source/text/event-line.js';
import {newTask} from '../../source/core/task.js';
import {setup} from '../helpers/orchestrator-setup.js';

describe('Orchestrator.recordChange', () => {
	it('puts a change made in the TUI in the run log as an info event', async () => {
		const run = await setup([newTask({id: 'bd-a', title: 'API', status: 'blocked'})]);
		run.orchestrator.recordChange('bd-a', 'priority high');
		const stamped = run.events.find((e) => e.event.type === 'task.changed');
		if (stamped === undefined) throw new Error('no task.changed event');
		expect(stamped.level).toBe('info');
		expect(stamped.event).toEqual({
			type: 'task.changed',
			task: 'bd-a',
			change: 'priority high',
			by: 'tui',
		});
		expect(run.orchestrator.recentEvents().map((e) => e.event.type)).toContain('task.changed');
		expect(describeEvent(stamped.event)).toBe('priority high (from the TUI)');
		await run.orchestrator.shutdown({immediate: true});
	});
});
