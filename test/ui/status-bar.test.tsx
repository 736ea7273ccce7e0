import {appendFileSync} from 'node:fs';
import path from 'node:path';
import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {TaskStore} from '../../source/adapters/task-store.js';
import {StatusBar, storeNotice} from '../../source/ui/components/status-bar.js';
import {fakeBoard, FakeRun} from '../helpers/fake-run.js';
import {frameWith, renderAt} from '../helpers/ink.js';
import {repoWith} from '../helpers/temp-repo.js';

afterEach(() => {
	cleanup();
});

/** What the real store says about a tasks file with mistakes on lines 2, 3 and 4. */
async function mistakeMessage(): Promise<string> {
	const cwd = await repoWith([
		{id: 'bd-1', title: 'Schema', status: 'pending', priority: 'medium'},
	]);
	appendFileSync(
		path.join(cwd, '.beads', 'tasks.jsonl'),
		'{"id": "bd-2", "title": "Login API", "status": "pendin\n{not json\n[1, 2]\n',
	);
	try {
		await new TaskStore(cwd).read();
	} catch (error) {
		return (error as Error).message;
	}

	throw new Error('the store read a file with mistakes');
}

describe('the tasks-file mistake line', () => {
	it.each([80, 120, 160])(
		'at %i columns is a whole sentence naming the line and the fix',
		async (width) => {
			const error = await mistakeMessage();
			expect(error).toContain('line 2');
			const {board} = await fakeBoard();
			const state = {...board.getSnapshot(), error};
			const rendered = renderAt(
				<StatusBar
					snapshot={new FakeRun().getSnapshot()}
					board={state}
					now={Date.now()}
					width={width}
				/>,
				width,
			);
			const frame = await frameWith(rendered, 'line 2');
			const notice = frame.split('\n').find((line) => line.includes('line 2')) ?? '';
			expect(notice).not.toContain('…');
			expect(notice.length).toBeLessThanOrEqual(width);
			expect(notice).toMatch(/tasks\.jsonl line 2\b/);
			expect(notice).toContain('jetpack-tui recover');
			expect(storeNotice(error, width)).toBe(notice.trimEnd());
		},
	);
});
