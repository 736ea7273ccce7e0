import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {newTask} from '../../source/core/task.js';
import {App} from '../../source/ui/app.js';
import {fakeBoard, FakeRun} from '../helpers/fake-run.js';
import {frameWith, renderAt} from '../helpers/ink.js';

afterEach(() => {
	cleanup();
});

const lastLine = (frame: string) => frame.split('\n').at(-1) ?? '';

describe('the hint line', () => {
	it.each([80, 120, 160])(
		'at %i columns ends with "? help · q quit", once, before and after the run',
		async (columns) => {
			const run = new FakeRun();
			const {board} = await fakeBoard(new Map([['t-a', newTask({id: 't-a', title: 'A'})]]));
			const rendered = renderAt(<App run={run} board={board} initialView="tasks" />, columns);
			let frame = await frameWith(
				rendered,
				(text) =>
					// After the app has seen the terminal's width.
					lastLine(text).includes('2 tasks') && lastLine(text).length <= columns,
			);
			expect(lastLine(frame)).toMatch(/ · \? help · q quit$/);
			expect(lastLine(frame).length).toBeLessThanOrEqual(columns);
			run.end('done');
			frame = await frameWith(rendered, 'run over');
			expect(lastLine(frame)).toMatch(/run over · .*\? help · q quit$/);
			expect(lastLine(frame).match(/q quit/g)).toHaveLength(1);
		},
	);
});
