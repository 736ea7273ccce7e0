import {rm} from 'node:fs/promises';
import {cleanup, render} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {TaskStore} from '../../source/adapters/task-store.js';
import {copyExample} from '../../source/commands/demo.js';
import {simulatedMinutes} from '../../source/core/eta.js';
import {buildGraph} from '../../source/core/graph.js';
import {defaultSimSpeed} from '../../source/core/sim.js';
import {StatusBar} from '../../source/ui/components/status-bar.js';
import {agentView, FakeRun} from '../helpers/fake-run.js';
import {plain} from '../helpers/ink.js';

const dirs: string[] = [];
afterEach(async () => {
	cleanup();
	for (const dir of dirs.splice(0)) await rm(dir, {recursive: true, force: true});
});

/** The demo's sample tasks, as `--demo` copies them, and its four simulated agents. */
async function demo() {
	const dir = await copyExample();
	dirs.push(dir);
	const tasks = await new TaskStore(dir).read();
	const run = new FakeRun(['sim-1', 'sim-2', 'sim-3', 'sim-4'].map((name) => agentView(name)));
	return {board: {tasks, graph: buildGraph(tasks), version: 1}, snapshot: run.getSnapshot()};
}

const etaOf = (frame: string) => /ETA (\S+)/.exec(frame)?.[1];

describe('StatusBar', () => {
	it('gives the demo the ETA of its simulated agents: minutes, not the hours its estimates add up to', async () => {
		const {board, snapshot} = await demo();
		const now = Date.parse(snapshot.startedAt);
		const estimated = render(<StatusBar snapshot={snapshot} board={board} now={now} width={160} />);
		// What a person would take: hours.
		expect(etaOf(plain(estimated))).toMatch(/^\d+h/);
		const simulated = render(
			<StatusBar
				snapshot={snapshot}
				board={board}
				now={now}
				width={160}
				taskMinutes={simulatedMinutes(defaultSimSpeed)}
			/>,
		);
		const eta = etaOf(plain(simulated));
		// The demo's sim.ms add up to a few minutes on four agents.
		expect(eta).toMatch(/^(<1m|[1-5]m)$/);
	});
});
